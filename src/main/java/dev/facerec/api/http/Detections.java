package dev.facerec.api.http;

import dev.facerec.bus.FaceData;
import dev.facerec.bus.InferenceResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The detect response shape, shared by REST and WebSocket. */
public final class Detections {
  private Detections() {}

  public static JsonObject toJson(InferenceResult r) {
    JsonArray faces = new JsonArray();
    for (FaceData f : r.faces()) {
      faces.add(new JsonObject().put("box", f.boxJson()).put("landmarks", f.landmarksJson()).put("score", RecognitionHandlers.round(f.score())));
    }
    return new JsonObject().put("width", r.width()).put("height", r.height()).put("faces", faces).put("millis", r.millis());
  }
}
