package dev.facerec.bus;

import io.vertx.core.json.JsonObject;

/**
 * The {@code k} best subjects of one shard of a collection for an L2-normalised embedding, among those with a face near
 * it; ranked by the centroid of their faces when {@code byCentroid}, else by their nearest face.
 */
public record SearchRequest(String collection, int shard, float[] vector, int k, boolean byCentroid) {
  public SearchRequest(String collection, int shard, float[] vector, int k) {
    this(collection, shard, vector, k, false);
  }

  public Wire toWire() {
    Wire w = new Wire(new JsonObject().put("collection", collection).put("shard", shard).put("k", k).put("byCentroid", byCentroid));
    w.attach(Vectors.toBytes(vector));
    return w;
  }

  public static SearchRequest fromWire(Wire w) {
    return new SearchRequest(w.header().getString("collection"), w.header().getInteger("shard", 0), Vectors.fromBytes(w.blob(0)),
        w.header().getInteger("k"), w.header().getBoolean("byCentroid", false));
  }
}
