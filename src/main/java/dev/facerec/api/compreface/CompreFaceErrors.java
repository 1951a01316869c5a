package dev.facerec.api.compreface;

import dev.facerec.bus.Failure;
import io.vertx.core.json.JsonObject;

/**
 * Errors of the CompreFace-compatible routes in CompreFace's shape, {@code {"message", "code"}} with its numeric
 * code and status where CompreFace has an equivalent, plus the extension {@code facerec} object that carries our
 * stable code and the request id. Failures CompreFace has no code for keep our status and use code 0 (its
 * UNDEFINED). The table is in docs/compreface.md.
 */
public final class CompreFaceErrors {
  private CompreFaceErrors() {}

  /** CompreFace's numeric code for a failure (0: none). */
  public static int code(Failure f) {
    return switch (f) {
      case INVALID_REQUEST, MALFORMED_JSON, IMAGE_CORRUPT, TARGET_RATE_MISMATCH -> 26; // VALIDATION_CONSTRAINT_VIOLATION
      case MISSING_IMAGE -> 33; // MISSING_REQUEST_PARAMETER
      case UNSUPPORTED_MEDIA_TYPE -> 21; // UNAVAILABLE_FILE_EXTENSION
      case NO_FACE -> 28; // NO_FACES_FOUND
      case MULTIPLE_FACES, TOO_MANY_FACES -> 31; // TOO_MANY_FACES
      case FACE_NOT_FOUND -> 11; // IMAGE_NOT_FOUND
      case METHOD_NOT_ALLOWED -> 32; // WRITING_NOT_ALLOWED
      default -> 0;
    };
  }

  /** The HTTP status: CompreFace answers its validation and face-count failures with 400. */
  public static int status(Failure f) {
    return switch (f) {
      case UNSUPPORTED_MEDIA_TYPE, NO_FACE, MULTIPLE_FACES, TOO_MANY_FACES -> 400;
      default -> f.httpStatus();
    };
  }

  public static JsonObject body(Failure f, String message, String requestId, JsonObject details) {
    JsonObject ext = new JsonObject().put("code", f.name()).put("requestId", requestId);
    if (details != null) {
      ext.put("details", details);
    }
    return new JsonObject().put("message", message).put("code", code(f)).put("facerec", ext);
  }
}
