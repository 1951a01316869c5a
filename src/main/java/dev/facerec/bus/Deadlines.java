package dev.facerec.bus;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deadline of each HTTP request this node is answering, by request id: work sent over the event bus for a
 * request (inference) gets no more time than the request has left, so nothing is computed for a client that
 * has already been answered {@code REQUEST_TIMEOUT}. Requests register on arrival and leave when answered.
 */
public final class Deadlines {
  private static final Map<String, Long> BY_REQUEST = new ConcurrentHashMap<>();

  private Deadlines() {}

  /** Registers a request arriving now with {@code timeoutMs} to live; returns its deadline (a {@link System#nanoTime} value). */
  public static long start(String requestId, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    BY_REQUEST.put(requestId, deadline);
    return deadline;
  }

  /** The request is answered (or its connection gone). */
  public static void end(String requestId, long deadline) {
    BY_REQUEST.remove(requestId, deadline);
  }

  /** What is left of the request's time, at most {@code limitMs}; {@code limitMs} for an unknown request (a WebSocket frame). */
  public static long remainingMs(String requestId, long limitMs) {
    Long deadline = requestId == null ? null : BY_REQUEST.get(requestId);
    if (deadline == null) {
      return limitMs;
    }
    return Math.max(0, Math.min(limitMs, (deadline - System.nanoTime()) / 1_000_000L));
  }
}
