package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/** Query and path parameter parsing with clear INVALID_REQUEST messages. */
public final class Params {
  static final Pattern COLLECTION = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  static final String DEFAULT_COLLECTION = "default";

  private Params() {}

  static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    return integer(name, ctx.request().getParam(name), dflt, min, max);
  }

  /** A parameter's raw value as an integer in [min, max]; {@code dflt} when absent, INVALID_REQUEST otherwise. */
  public static int integer(String name, String v, int dflt, int min, int max) {
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(v.trim());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new FaceException(Failure.INVALID_REQUEST, "parameter '" + name + "' must be an integer from " + min + " to " + max);
  }

  static String collection(RoutingContext ctx) {
    return collection(ctx.request().getParam("collection"));
  }

  static String collection(String v) {
    if (v == null || v.isBlank()) {
      return DEFAULT_COLLECTION;
    }
    if (!COLLECTION.matcher(v).matches()) {
      throw new FaceException(Failure.INVALID_REQUEST, "collection must be 1-64 characters of letters, digits, '_', '.' or '-'");
    }
    return v;
  }

  /** A malformed id answers like an unknown one. */
  static UUID id(RoutingContext ctx, String name, Failure notFound) {
    String v = ctx.pathParam(name);
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new FaceException(notFound, "no " + (notFound == Failure.FACE_NOT_FOUND ? "face" : "subject") + " with id '" + v + "'");
    }
  }

  static boolean bool(RoutingContext ctx, String name, boolean dflt) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    return switch (v.trim().toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new FaceException(Failure.INVALID_REQUEST, "parameter '" + name + "' must be true or false");
    };
  }
}
