package dev.facerec.recognition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GallerySizesTest {
  final AtomicLong now = new AtomicLong();
  final AtomicReference<Future<GallerySize>> answer = new AtomicReference<>();
  final GallerySizes sizes = new GallerySizes(c -> answer.get(), 10, now::get, GallerySize.of(1_000_000L));

  @Test
  @DisplayName("a count is reused until it is older than the limit, then read again")
  void cachesThenRereads() {
    answer.set(Future.succeededFuture(GallerySize.of(20L)));
    assertEquals(GallerySize.of(20L), sizes.count("c").result());
    answer.set(Future.succeededFuture(GallerySize.of(30L)));
    now.set(5);
    assertEquals(GallerySize.of(20L), sizes.count("c").result());
    now.set(11);
    assertEquals(GallerySize.of(30L), sizes.count("c").result());
  }

  @Test
  @DisplayName("a failed read serves the last count, or the large 'unknown' size when there is none (never a failure)")
  void failedReadFallsBack() {
    answer.set(Future.failedFuture(new IllegalStateException("database down")));
    assertEquals(GallerySize.of(1_000_000L), sizes.count("never-read").result());
    answer.set(Future.succeededFuture(GallerySize.of(20L)));
    assertEquals(GallerySize.of(20L), sizes.count("c").result());
    now.set(100);
    answer.set(Future.failedFuture(new IllegalStateException("database down")));
    assertEquals(GallerySize.of(20L), sizes.count("c").result());
  }
}
