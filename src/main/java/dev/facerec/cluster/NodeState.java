package dev.facerec.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What this node can do right now, for readiness and drain: each deployed part reports whether it is
 * ready, and a draining node takes no new work.
 */
public final class NodeState {
  private final Map<String, Supplier<String>> checks = new ConcurrentHashMap<>();
  private volatile boolean draining;
  private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.Set<Runnable> drainHooks = ConcurrentHashMap.newKeySet();

  /** A readiness check: returns null when ready, else why not (for logs and the admin status, never the probe). */
  public void check(String name, Supplier<String> notReadyReason) {
    checks.put(name, notReadyReason);
  }

  public boolean draining() {
    return draining;
  }

  public void drain() {
    draining = true;
    drainHooks.forEach(Runnable::run);
  }

  /** Runs {@code hook} when the node starts to drain (a WebSocket closes once its frames are answered); returns its removal. */
  public Runnable onDrain(Runnable hook) {
    drainHooks.add(hook);
    if (draining) {
      hook.run();
    }
    return () -> drainHooks.remove(hook);
  }

  /** Open things that drain themselves (WebSockets). */
  public int drainHooks() {
    return drainHooks.size();
  }

  public void requestStarted() {
    requests.incrementAndGet();
  }

  public void requestEnded() {
    requests.decrementAndGet();
  }

  /** HTTP requests being answered now. */
  public int requestsInFlight() {
    return requests.get();
  }

  public boolean ready() {
    return !draining && checks.values().stream().allMatch(c -> c.get() == null);
  }

  /** Each check's state: {@code "ok"} or the reason it is not ready. */
  public JsonObject details() {
    JsonObject j = new JsonObject();
    checks.forEach((name, c) -> {
      String why = c.get();
      j.put(name, why == null ? "ok" : why);
    });
    if (draining) {
      j.put("drain", "draining");
    }
    return j;
  }
}
