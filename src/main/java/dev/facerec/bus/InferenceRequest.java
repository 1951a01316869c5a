package dev.facerec.bus;

import io.vertx.core.json.JsonObject;

/**
 * An image to run through the face pipeline. {@code selection} is one of ALL, LARGEST, SINGLE, CENTER
 * (ignored by detect); {@code deadline} is an epoch-millisecond after which the worker drops the request
 * because its caller has already given up.
 */
public record InferenceRequest(byte[] image, String selection, String requestId, long deadline) {
  public JsonObject toJson() {
    return new JsonObject().put("image", image).put("selection", selection).put("requestId", requestId).put("deadline", deadline);
  }

  public static InferenceRequest fromJson(JsonObject j) {
    return new InferenceRequest(j.getBinary("image"), j.getString("selection"), j.getString("requestId"), j.getLong("deadline", 0L));
  }
}
