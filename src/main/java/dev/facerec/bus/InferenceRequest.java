package dev.facerec.bus;

import io.vertx.core.json.JsonObject;

/**
 * An image to run through the face pipeline. {@code selection} is one of ALL, LARGEST, SINGLE, CENTER
 * (ignored by detect). {@code deadlineNanos} is on this JVM's {@link System#nanoTime()} clock: on the wire
 * it travels as the remaining duration, so nodes need no synchronised clocks. A worker drops a request
 * past its deadline: its caller has already given up.
 */
public record InferenceRequest(byte[] image, String selection, String requestId, long deadlineNanos) {
  public static InferenceRequest within(byte[] image, String selection, String requestId, long timeoutMs) {
    return new InferenceRequest(image, selection, requestId, System.nanoTime() + timeoutMs * 1_000_000L);
  }

  /** Milliseconds left before the deadline (0 when passed). */
  public long remainingMs() {
    return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L);
  }

  public boolean expired() {
    return System.nanoTime() - deadlineNanos > 0;
  }

  public Wire toWire() {
    Wire w = new Wire(new JsonObject().put("selection", selection).put("requestId", requestId).put("remainingMs", remainingMs()));
    w.attach(image);
    return w;
  }

  public static InferenceRequest fromWire(Wire w) {
    JsonObject h = w.header();
    return new InferenceRequest(w.blob(0), h.getString("selection"), h.getString("requestId"),
        System.nanoTime() + h.getLong("remainingMs") * 1_000_000L);
  }
}
