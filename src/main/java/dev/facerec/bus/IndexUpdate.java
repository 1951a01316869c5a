package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Faces to add to and remove from one collection's index, applied before the reply. */
public record IndexUpdate(String collection, String modelId, List<Entry> add, List<UUID> remove) {
  public record Entry(UUID faceId, UUID subjectId, float[] vector) {}

  public static IndexUpdate adding(String collection, String modelId, UUID faceId, UUID subjectId, float[] vector) {
    return new IndexUpdate(collection, modelId, List.of(new Entry(faceId, subjectId, vector)), List.of());
  }

  public static IndexUpdate removing(String collection, List<UUID> faceIds) {
    return new IndexUpdate(collection, null, List.of(), faceIds);
  }

  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    add.forEach(e -> a.add(new JsonObject().put("f", e.faceId().toString()).put("s", e.subjectId().toString()).put("v", Vectors.toBytes(e.vector()))));
    JsonArray r = new JsonArray();
    remove.forEach(id -> r.add(id.toString()));
    return new JsonObject().put("collection", collection).put("modelId", modelId).put("add", a).put("remove", r);
  }

  public static IndexUpdate fromJson(JsonObject j) {
    List<Entry> add = new ArrayList<>();
    j.getJsonArray("add").forEach(o -> {
      JsonObject e = (JsonObject) o;
      add.add(new Entry(UUID.fromString(e.getString("f")), UUID.fromString(e.getString("s")), Vectors.fromBytes(e.getBinary("v"))));
    });
    List<UUID> remove = new ArrayList<>();
    j.getJsonArray("remove").forEach(o -> remove.add(UUID.fromString((String) o)));
    return new IndexUpdate(j.getString("collection"), j.getString("modelId"), add, remove);
  }
}
