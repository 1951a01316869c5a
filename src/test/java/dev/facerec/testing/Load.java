package dev.facerec.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;

/**
 * Clients that keep sending requests until stopped, each recording what became of every request: the status and
 * error code, whether Retry-After came with a 503, or how it failed without an answer (connection refused before
 * anything was sent, or closed/timed out after). For fault tests: the counts are the figures of the fault.
 */
public final class Load implements AutoCloseable {
  /** What one client sends next: a request built for its {@code n}-th turn, and an operation name for the figures. */
  public record Op(String name, HttpRequest request) {}

  /** One request's fate. {@code status} 0 when no answer came; then {@code error} says why. */
  public record Outcome(long atMs, String op, int status, String code, boolean retryAfter, String error) {
    public boolean answered() {
      return status > 0;
    }
  }

  private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final long t0 = System.currentTimeMillis();
  private volatile boolean stop;

  /** Starts {@code clients} clients; client {@code c} sends {@code next.apply(c)}'s requests, pausing {@code pauseMs} between. */
  public Load(int clients, IntFunction<java.util.function.IntFunction<Op>> next, long pauseMs, Duration timeout) {
    this(clients, next, pauseMs, timeout, o -> false);
  }

  /**
   * As above; a client stops once an outcome matches {@code goAway} (told by the node to go elsewhere, as a load
   * balancer would then send it to another node).
   */
  public Load(int clients, IntFunction<java.util.function.IntFunction<Op>> next, long pauseMs, Duration timeout,
      java.util.function.Predicate<Outcome> goAway) {
    for (int c = 0; c < clients; c++) {
      IntFunction<Op> ops = next.apply(c);
      Thread t = new Thread(() -> {
        HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        for (int n = 0; !stop; n++) {
          Op op = ops.apply(n);
          HttpRequest req = HttpRequest.newBuilder(op.request(), (k, v) -> true).timeout(timeout).build();
          long at = System.currentTimeMillis() - t0;
          try {
            HttpResponse<String> r = hc.send(req, HttpResponse.BodyHandlers.ofString());
            String code = "";
            if (r.statusCode() >= 400) {
              try {
                code = new io.vertx.core.json.JsonObject(r.body()).getJsonObject("error").getString("code");
              } catch (RuntimeException e) {
                code = "?";
              }
            }
            Outcome o = new Outcome(at, op.name(), r.statusCode(), code, r.headers().firstValue("Retry-After").isPresent(), null);
            outcomes.add(o);
            if (goAway.test(o)) {
              return;
            }
          } catch (java.net.ConnectException e) {
            Outcome o = new Outcome(at, op.name(), 0, "", false, "refused");
            outcomes.add(o);
            if (goAway.test(o)) {
              return;
            }
          } catch (java.net.http.HttpTimeoutException e) {
            outcomes.add(new Outcome(at, op.name(), 0, "", false, "timeout"));
          } catch (java.io.IOException e) {
            outcomes.add(new Outcome(at, op.name(), 0, "", false, "closed"));
          } catch (InterruptedException e) {
            return;
          }
          if (pauseMs > 0) {
            try {
              Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }, "load-" + c);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  public long startedAtEpochMs() {
    return t0;
  }

  /** Milliseconds since the load started (the time base of {@link Outcome#atMs}). */
  public long now() {
    return System.currentTimeMillis() - t0;
  }

  public List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  /** Counts by {@code op status code} (or {@code op no answer: why}) among outcomes sent in [fromMs, toMs). */
  public Map<String, Integer> counts(long fromMs, long toMs) {
    Map<String, Integer> m = new TreeMap<>();
    for (Outcome o : outcomes) {
      if (o.atMs() >= fromMs && o.atMs() < toMs) {
        String k = o.op() + " " + (o.answered() ? o.status() + (o.code().isEmpty() ? "" : " " + o.code()) : "no answer: " + o.error());
        m.merge(k, 1, Integer::sum);
      }
    }
    return m;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join(60_000);
    }
  }
}
