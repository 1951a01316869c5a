package dev.facerec.recognition;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Each collection's size ({@link GallerySize}: subjects, and those with several faces) as last read, re-read when older than {@code maxAgeNanos}: the 1:N threshold
 * moves with the logarithm of the count, so a count a few seconds old decides the same, and identify does not pay
 * a count per request. When a re-read fails (the database is down) the last count serves; when there is none,
 * {@code unknown}: a size at least as large as any gallery served, so that an unknown size never lets a stranger
 * through more easily than the configured rate allows (identify stays up from memory, stricter, until the count is back).
 */
public final class GallerySizes {
  private record Read(GallerySize count, long at) {}

  private final Function<String, Future<GallerySize>> counter;
  private final LongSupplier clock;
  private final long maxAgeNanos;
  private final GallerySize unknown;
  private final Map<String, Read> reads = new ConcurrentHashMap<>();

  public GallerySizes(Function<String, Future<GallerySize>> counter, long maxAgeNanos, LongSupplier clock, GallerySize unknown) {
    this.counter = counter;
    this.maxAgeNanos = maxAgeNanos;
    this.clock = clock;
    this.unknown = unknown;
  }

  public Future<GallerySize> count(String collection) {
    Read last = reads.get(collection);
    long now = clock.getAsLong();
    if (last != null && now - last.at() < maxAgeNanos) {
      return Future.succeededFuture(last.count());
    }
    return counter.apply(collection)
        .onSuccess(n -> reads.put(collection, new Read(n, now)))
        .recover(t -> Future.succeededFuture(last != null ? last.count() : unknown));
  }
}
