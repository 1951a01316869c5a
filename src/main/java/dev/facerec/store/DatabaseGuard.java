package dev.facerec.store;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call to PostgreSQL goes through here: a circuit breaker (resilience4j) and a bounded retry with
 * back-off. A call that finds the server unreachable counts as a failure; any answer from the server (a row,
 * a constraint violation) counts as a success. When half of the last 20 calls (at least 5) failed the breaker
 * opens: calls fail at once with {@code DATABASE_UNAVAILABLE} and a {@code Retry-After} of the open period,
 * instead of each waiting for a connect timeout; after {@code DB_BREAKER_OPEN_S} a few calls probe the server
 * and close it again. A failed call is retried (at most {@code DB_RETRY_ATTEMPTS} attempts in all, 50, 100,
 * 200... ms apart with jitter) when a retry cannot do a write twice: a read, or a failure to connect.
 */
public final class DatabaseGuard {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseGuard.class);
  private static final long FIRST_BACKOFF_MS = 50;

  private final Vertx vertx;
  private final CircuitBreaker breaker;
  private final int attempts;
  private final long openSeconds;

  /** Whether a failed attempt may be tried again. */
  public enum Retry {
    /** A read: any unavailability may be retried. */
    READ,
    /** A write: only when the server was never reached (no connection), so it cannot have been applied. */
    WRITE
  }

  public DatabaseGuard(Vertx vertx, int openSeconds, int attempts) {
    this.vertx = vertx;
    this.attempts = Math.max(1, attempts);
    this.openSeconds = openSeconds;
    this.breaker = CircuitBreaker.of("database", CircuitBreakerConfig.custom()
        .slidingWindow(20, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(openSeconds))
        .permittedNumberOfCallsInHalfOpenState(2)
        .writableStackTraceEnabled(false)
        .build());
    breaker.getEventPublisher().onStateTransition(e -> {
      if (e.getStateTransition() == CircuitBreaker.StateTransition.HALF_OPEN_TO_OPEN) {
        LOG.info("database: still unreachable; circuit open for another {} s", openSeconds);
        return;
      }
      switch (e.getStateTransition().getToState()) {
        case OPEN -> LOG.warn("database: circuit open after repeated failures to reach PostgreSQL; calls fail at once for {} s,"
            + " reads are served from memory, writes answer 503 DATABASE_UNAVAILABLE", openSeconds);
        case HALF_OPEN -> LOG.debug("database: circuit half-open, probing PostgreSQL");
        case CLOSED -> LOG.info("database: circuit closed, PostgreSQL answers again");
        default -> LOG.info("database: circuit {}", e.getStateTransition().getToState());
      }
    });
  }

  /** The breaker's state, for health and metrics: CLOSED, OPEN, HALF_OPEN. */
  public String state() {
    return breaker.getState().name();
  }

  /** True while the breaker lets no call through. */
  public boolean open() {
    return breaker.getState() == CircuitBreaker.State.OPEN;
  }

  /** Runs {@code call} under the breaker, retrying as {@code retry} allows. */
  public <T> Future<T> call(Retry retry, Supplier<Future<T>> call) {
    Promise<T> promise = Promise.promise();
    attempt(retry, call, 1, promise);
    return promise.future();
  }

  private <T> void attempt(Retry retry, Supplier<Future<T>> call, int n, Promise<T> promise) {
    if (!breaker.tryAcquirePermission()) {
      promise.fail(new FaceException(Failure.DATABASE_UNAVAILABLE, "the database cannot be reached (circuit open); retry later")
          .retryAfter(openSeconds));
      return;
    }
    long t0 = System.nanoTime();
    Future<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      long took = System.nanoTime() - t0;
      if (ar.succeeded()) {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        promise.complete(ar.result());
        return;
      }
      Throwable t = ar.cause();
      String why = GalleryStore.unavailableReason(t);
      if (why == null) {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS); // the server answered: an error of the query, not of the database
        promise.fail(t);
        return;
      }
      breaker.onError(took, TimeUnit.NANOSECONDS, t);
      boolean mayRetry = n < attempts && (retry == Retry.READ || neverConnected(t));
      if (!mayRetry) {
        promise.fail(GalleryStore.toFaceException(t).retryAfter(openSeconds));
        return;
      }
      long backoff = FIRST_BACKOFF_MS << (n - 1);
      long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
      vertx.setTimer(delay, id -> attempt(retry, call, n + 1, promise));
    });
  }

  /** A failure that happened before any statement could reach the server: refused, unknown host, no pooled connection. */
  static boolean neverConnected(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
          || c instanceof java.net.NoRouteToHostException || c instanceof io.vertx.core.http.ConnectionPoolTooBusyException
          || c instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }
}
