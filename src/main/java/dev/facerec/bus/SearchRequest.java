package dev.facerec.bus;

import io.vertx.core.json.JsonObject;

/** Nearest faces of one collection to an L2-normalised embedding. */
public record SearchRequest(String collection, float[] vector, int k) {
  public JsonObject toJson() {
    return new JsonObject().put("collection", collection).put("vector", Vectors.toBytes(vector)).put("k", k);
  }

  public static SearchRequest fromJson(JsonObject j) {
    return new SearchRequest(j.getString("collection"), Vectors.fromBytes(j.getBinary("vector")), j.getInteger("k"));
  }
}
