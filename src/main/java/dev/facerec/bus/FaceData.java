package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One face found by a worker: box, 5 landmarks, detector score and, for embed requests, the embedding and
 * its quality measures.
 */
public record FaceData(float x, float y, float width, float height, float[][] landmarks, float score, float[] embedding,
    dev.facerec.quality.FaceQuality quality) {
  public JsonObject boxJson() {
    return new JsonObject().put("x", Math.round(x)).put("y", Math.round(y)).put("width", Math.round(width)).put("height", Math.round(height));
  }

  public JsonArray landmarksJson() {
    JsonArray a = new JsonArray();
    if (landmarks != null) {
      for (float[] p : landmarks) {
        a.add(new JsonArray().add(round1(p[0])).add(round1(p[1])));
      }
    }
    return a;
  }

  public float area() {
    return width * height;
  }

  private static double round1(float v) {
    return Math.round(v * 10.0) / 10.0;
  }

  /** The header part of the wire form; the embedding goes to {@code w} as an attachment. */
  public JsonObject toWire(Wire w) {
    JsonObject j = new JsonObject().put("x", x).put("y", y).put("w", width).put("h", height).put("score", score);
    JsonArray lm = new JsonArray();
    if (landmarks != null) {
      for (float[] p : landmarks) {
        lm.add(p[0]).add(p[1]);
      }
    }
    j.put("lm", lm);
    if (embedding != null) {
      j.put("e", w.attach(Vectors.toBytes(embedding)));
    }
    if (quality != null) {
      j.put("quality", quality.toJson());
    }
    return j;
  }

  public static FaceData fromWire(JsonObject j, Wire w) {
    JsonArray lm = j.getJsonArray("lm");
    float[][] pts = new float[lm.size() / 2][2];
    for (int i = 0; i < pts.length; i++) {
      pts[i][0] = lm.getFloat(2 * i);
      pts[i][1] = lm.getFloat(2 * i + 1);
    }
    byte[] e = j.containsKey("e") ? w.blob(j.getInteger("e")) : null;
    return new FaceData(j.getFloat("x"), j.getFloat("y"), j.getFloat("w"), j.getFloat("h"), pts, j.getFloat("score"),
        e == null ? null : Vectors.fromBytes(e), dev.facerec.quality.FaceQuality.fromJson(j.getJsonObject("quality")));
  }
}
