package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads uploaded images into memory (never to disk: they are biometric data), from a multipart form or a
 * raw image body, refusing bodies over the limit as soon as the limit is passed.
 */
public final class ImageUpload {
  private static final Set<String> RAW_TYPES = Set.of("image/jpeg", "image/jpg", "image/png", "image/webp", "image/bmp",
      "image/x-ms-bmp", "application/octet-stream");

  private ImageUpload() {}

  /** The multipart file fields wanted (e.g. {@code file}, or {@code file1}/{@code file2}); a raw body counts as the first. */
  public static Future<Map<String, byte[]>> read(RoutingContext ctx, long maxBytes, String... fields) {
    HttpServerRequest req = ctx.request();
    String type = contentType(req);
    String declared = req.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared) > maxBytes) {
          return tooLarge(req, maxBytes);
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "Content-Length is not a number"));
      }
    }
    if (type.startsWith("multipart/form-data")) {
      // The whole body is read first (it is kept in memory anyway), then parsed here, where every parser failure
      // is ours to answer: Vert.x's own incremental decoder can lose a parser exception thrown while a paused body
      // is resumed, and the request then never ends.
      return body(req, maxBytes).compose(body -> Multipart.files(req.getHeader("Content-Type"), body, maxBytes, fields));
    }
    if (type.isEmpty()) {
      return Future.failedFuture(new FaceException(Failure.MISSING_IMAGE,
          "send the image as multipart/form-data field '" + fields[0] + "' or as a raw body with an image content type"));
    }
    if (!RAW_TYPES.contains(type) && !type.startsWith("image/")) {
      return Future.failedFuture(new FaceException(Failure.UNSUPPORTED_MEDIA_TYPE,
          "content type '" + type + "' is not accepted: use multipart/form-data or image/jpeg, image/png, image/webp, image/bmp"));
    }
    if (fields.length > 1) {
      return Future.failedFuture(new FaceException(Failure.MISSING_IMAGE,
          "this operation takes " + fields.length + " images: send multipart/form-data fields " + String.join(", ", fields)));
    }
    return body(req, maxBytes).compose(body -> {
      if (body.length() == 0) {
        return Future.failedFuture(new FaceException(Failure.MISSING_IMAGE, "the request body is empty"));
      }
      Map<String, byte[]> out = new HashMap<>();
      out.put(fields[0], body.getBytes());
      return Future.succeededFuture(out);
    });
  }

  /** The whole body, refused as soon as it passes {@code maxBytes}. */
  private static Future<Buffer> body(HttpServerRequest req, long maxBytes) {
    if (req.isEnded()) {
      return Future.failedFuture(new FaceException(Failure.MISSING_IMAGE, "the request body was already read"));
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer buf = Buffer.buffer();
    long[] total = {0};
    req.handler(chunk -> {
      if (total[0] > maxBytes) {
        return; // already refused
      }
      total[0] += chunk.length();
      if (total[0] > maxBytes) {
        tooLarge(req, maxBytes).onFailure(promise::tryFail);
        return;
      }
      buf.appendBuffer(chunk);
    });
    req.exceptionHandler(promise::tryFail);
    req.endHandler(v -> promise.tryComplete(buf));
    req.resume();
    return promise.future();
  }

  /**
   * Refuses a body over {@code maxBytes}: a client sending 100 MB must not make us keep 100 MB. The rest of the
   * body is dropped as it arrives once the 413 is out ({@link UnreadBody}, from {@link Guards}).
   */
  public static <T> Future<T> tooLarge(HttpServerRequest req, long maxBytes) {
    return Future.failedFuture(new FaceException(Failure.BODY_TOO_LARGE, "the request body is over the limit of " + maxBytes + " bytes"));
  }

  static String contentType(HttpServerRequest req) {
    String t = req.getHeader("Content-Type");
    if (t == null) {
      return "";
    }
    int semi = t.indexOf(';');
    String base = (semi >= 0 ? t.substring(0, semi) : t).trim().toLowerCase();
    return base.equals("multipart/form-data") ? t.trim().toLowerCase() : base;
  }
}
