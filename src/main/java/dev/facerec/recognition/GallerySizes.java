package dev.facerec.recognition;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Each collection's subject count as last read, re-read when older than {@code maxAgeNanos}: the 1:N threshold
 * moves with the logarithm of the count, so a count a few seconds old decides the same, and identify does not pay
 * a count per request. When a re-read fails the last count serves.
 */
public final class GallerySizes {
  private record Read(long count, long at) {}

  private final Function<String, Future<Long>> counter;
  private final LongSupplier clock;
  private final long maxAgeNanos;
  private final Map<String, Read> reads = new ConcurrentHashMap<>();

  public GallerySizes(Function<String, Future<Long>> counter, long maxAgeNanos, LongSupplier clock) {
    this.counter = counter;
    this.maxAgeNanos = maxAgeNanos;
    this.clock = clock;
  }

  public Future<Long> count(String collection) {
    Read last = reads.get(collection);
    long now = clock.getAsLong();
    if (last != null && now - last.at() < maxAgeNanos) {
      return Future.succeededFuture(last.count());
    }
    return counter.apply(collection)
        .onSuccess(n -> reads.put(collection, new Read(n, now)))
        .recover(t -> last != null ? Future.succeededFuture(last.count()) : Future.failedFuture(t));
  }
}
