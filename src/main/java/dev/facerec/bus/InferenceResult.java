package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a worker found in an image: its size, the recognizer that made the embeddings, the faces, the name of
 * the node that computed it, and how many faces the image holds (more than {@code faces} when a selection left
 * some out).
 */
public record InferenceResult(int width, int height, String modelId, List<FaceData> faces, double millis, String node, int detected) {
  public InferenceResult(int width, int height, String modelId, List<FaceData> faces, double millis, String node) {
    this(width, height, modelId, faces, millis, node, faces.size());
  }

  public InferenceResult withNode(String name) {
    return new InferenceResult(width, height, modelId, faces, millis, name, detected);
  }

  public Wire toWire() {
    Wire w = new Wire(new JsonObject());
    JsonArray a = new JsonArray();
    faces.forEach(f -> a.add(f.toWire(w)));
    w.header().put("width", width).put("height", height).put("modelId", modelId).put("faces", a).put("millis", millis)
        .put("node", node).put("detected", detected);
    return w;
  }

  public static InferenceResult fromWire(Wire w) {
    JsonObject j = w.header();
    List<FaceData> faces = new ArrayList<>();
    j.getJsonArray("faces").forEach(o -> faces.add(FaceData.fromWire((JsonObject) o, w)));
    return new InferenceResult(j.getInteger("width"), j.getInteger("height"), j.getString("modelId"), faces,
        j.getDouble("millis", 0.0), j.getString("node"), j.getInteger("detected", faces.size())); // absent from older nodes
  }
}
