package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Index hits, best first (face, its subject, the face's cosine similarity, the cosine to the subject's centroid), and
 * the change-log position of the replica that answered.
 */
public record SearchResult(List<Hit> hits, long appliedSeq) {
  public record Hit(UUID faceId, UUID subjectId, float similarity, float subjectSimilarity) {
    /** A hit whose subject is scored by this face alone. */
    public Hit(UUID faceId, UUID subjectId, float similarity) {
      this(faceId, subjectId, similarity, similarity);
    }
  }

  public Wire toWire() {
    JsonArray a = new JsonArray();
    hits.forEach(h -> a.add(new JsonArray().add(h.faceId().toString()).add(h.subjectId().toString()).add(h.similarity()).add(h.subjectSimilarity())));
    return new Wire(new JsonObject().put("hits", a).put("seq", appliedSeq));
  }

  public static SearchResult fromWire(Wire w) {
    List<Hit> hits = new ArrayList<>();
    w.header().getJsonArray("hits").forEach(o -> {
      JsonArray h = (JsonArray) o;
      // A node of an older version sends no subject score: its face score stands in.
      hits.add(new Hit(UUID.fromString(h.getString(0)), UUID.fromString(h.getString(1)), h.getFloat(2),
          h.size() > 3 ? h.getFloat(3) : h.getFloat(2)));
    });
    return new SearchResult(hits, w.header().getLong("seq", 0L));
  }
}
