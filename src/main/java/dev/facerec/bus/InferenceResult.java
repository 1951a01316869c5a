package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** What a worker found in an image: its size, the recognizer that made the embeddings, and the faces. */
public record InferenceResult(int width, int height, String modelId, List<FaceData> faces, double millis) {
  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    faces.forEach(f -> a.add(f.toJson()));
    return new JsonObject().put("width", width).put("height", height).put("modelId", modelId).put("faces", a).put("millis", millis);
  }

  public static InferenceResult fromJson(JsonObject j) {
    List<FaceData> faces = new ArrayList<>();
    j.getJsonArray("faces").forEach(o -> faces.add(FaceData.fromJson((JsonObject) o)));
    return new InferenceResult(j.getInteger("width"), j.getInteger("height"), j.getString("modelId"), faces, j.getDouble("millis", 0.0));
  }
}
