package dev.facerec.api.compreface;

import dev.facerec.api.http.ImageUpload;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Images as CompreFace clients send them: multipart fields ({@code file}, or {@code source_image} and
 * {@code target_image}), a raw image body, or a JSON body whose fields of the same names hold base64 (a
 * {@code data:...;base64,} prefix is accepted). JSON bodies may be a third larger than MAX_BODY_BYTES, the
 * size base64 adds; the decoded images obey the same limits as any upload.
 */
final class CompreFaceImages {
  private CompreFaceImages() {}

  static Future<Map<String, byte[]>> read(RoutingContext ctx, long maxBytes, String... fields) {
    HttpServerRequest req = ctx.request();
    String type = req.getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      return ImageUpload.read(ctx, maxBytes, fields);
    }
    long jsonLimit = maxBytes / 3 * 4 + 4096;
    Promise<Map<String, byte[]>> promise = Promise.promise();
    Buffer buf = Buffer.buffer();
    long[] total = {0};
    req.handler(chunk -> {
      total[0] += chunk.length();
      if (total[0] > jsonLimit) {
        ImageUpload.<Map<String, byte[]>>tooLarge(req, jsonLimit).onFailure(promise::tryFail);
        return;
      }
      buf.appendBuffer(chunk);
    });
    req.exceptionHandler(promise::tryFail);
    req.endHandler(v -> {
      try {
        promise.tryComplete(decode(buf, fields));
      } catch (FaceException e) {
        promise.tryFail(e);
      }
    });
    req.resume();
    return promise.future();
  }

  static Map<String, byte[]> decode(Buffer body, String... fields) {
    JsonObject json;
    try {
      Object v = io.vertx.core.json.Json.decodeValue(body);
      if (!(v instanceof JsonObject o)) {
        throw new FaceException(Failure.MALFORMED_JSON, "the body must be a JSON object");
      }
      json = o;
    } catch (DecodeException e) {
      throw new FaceException(Failure.MALFORMED_JSON, "the body is not valid JSON");
    }
    Map<String, byte[]> out = new HashMap<>();
    for (String f : fields) {
      Object v = json.getValue(f);
      if (!(v instanceof String s) || s.isBlank()) {
        throw new FaceException(Failure.MISSING_IMAGE, "the JSON body has no base64 image in '" + f + "'");
      }
      int comma = s.startsWith("data:") ? s.indexOf(',') : -1;
      try {
        byte[] image = Base64.getMimeDecoder().decode(comma >= 0 ? s.substring(comma + 1) : s);
        if (image.length == 0) {
          throw new FaceException(Failure.MISSING_IMAGE, "'" + f + "' holds no image");
        }
        out.put(f, image);
      } catch (IllegalArgumentException e) {
        throw new FaceException(Failure.INVALID_REQUEST, "'" + f + "' is not valid base64");
      }
    }
    return out;
  }
}
