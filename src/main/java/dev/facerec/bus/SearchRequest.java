package dev.facerec.bus;

import io.vertx.core.json.JsonObject;

/** Nearest faces of one shard of a collection to an L2-normalised embedding. */
public record SearchRequest(String collection, int shard, float[] vector, int k) {
  public Wire toWire() {
    Wire w = new Wire(new JsonObject().put("collection", collection).put("shard", shard).put("k", k));
    w.attach(Vectors.toBytes(vector));
    return w;
  }

  public static SearchRequest fromWire(Wire w) {
    return new SearchRequest(w.header().getString("collection"), w.header().getInteger("shard", 0), Vectors.fromBytes(w.blob(0)),
        w.header().getInteger("k"));
  }
}
