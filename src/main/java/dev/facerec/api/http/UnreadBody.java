package dev.facerec.api.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * The rest of a body answered before it was read (refused as too large, unauthenticated, not found): read and
 * dropped, never kept. HTTP clients (the JDK's, most SDKs) finish sending before they read the answer, and a
 * socket closed with bytes still unread is reset, which destroys the answer in the client's buffer: so the
 * connection is closed only once the body has ended, or past {@link #LIMIT_BYTES} or {@link #LINGER_MS}, like
 * nginx's lingering close. An HTTP/2 stream is reset instead; its connection carries other streams.
 */
final class UnreadBody {
  /** Dropped at most, per request, before giving up on the client. */
  static final long LIMIT_BYTES = 256L << 20;
  /** How long a client may take to finish sending a refused body. */
  static final long LINGER_MS = 30_000;

  private UnreadBody() {}

  /**
   * Drops what is left of {@code req}'s body. {@code closeAfter}: the answer said "Connection: close", so an
   * HTTP/1.1 connection is closed once the body has ended (all of it read: a clean close, not a reset).
   */
  static void drop(Vertx vertx, HttpServerRequest req, boolean closeAfter) {
    if (req.isEnded()) {
      return;
    }
    boolean http2 = req.version() == HttpVersion.HTTP_2;
    long[] dropped = {0};
    long timer = vertx.setTimer(LINGER_MS, t -> giveUp(req, http2));
    try {
      req.handler(chunk -> {
        dropped[0] += chunk.length();
        if (dropped[0] > LIMIT_BYTES) {
          vertx.cancelTimer(timer);
          giveUp(req, http2);
        }
      });
      req.exceptionHandler(t -> vertx.cancelTimer(timer));
      req.endHandler(v -> {
        vertx.cancelTimer(timer);
        if (closeAfter && !http2) {
          req.connection().close();
        }
      });
      req.resume();
    } catch (IllegalStateException ended) {
      vertx.cancelTimer(timer); // ended meanwhile: nothing left to read
    }
  }

  private static void giveUp(HttpServerRequest req, boolean http2) {
    if (req.isEnded()) {
      return;
    }
    if (http2) {
      req.response().reset(8); // CANCEL
    } else {
      req.connection().close();
    }
  }
}
