package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Index hits, best first: face, its subject, and the cosine similarity. */
public record SearchResult(List<Hit> hits) {
  public record Hit(UUID faceId, UUID subjectId, float similarity) {}

  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    hits.forEach(h -> a.add(new JsonObject().put("f", h.faceId().toString()).put("s", h.subjectId().toString()).put("sim", h.similarity())));
    return new JsonObject().put("hits", a);
  }

  public static SearchResult fromJson(JsonObject j) {
    List<Hit> hits = new ArrayList<>();
    j.getJsonArray("hits").forEach(o -> {
      JsonObject h = (JsonObject) o;
      hits.add(new Hit(UUID.fromString(h.getString("f")), UUID.fromString(h.getString("s")), h.getFloat("sim")));
    });
    return new SearchResult(hits);
  }
}
