package dev.facerec.api.compreface;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The query options CompreFace's face operations share, and how a face is rendered with them: {@code limit}
 * (the biggest faces first, 0 = all), {@code det_prob_threshold} (faces scored lower are dropped),
 * {@code face_plugins} ({@code landmarks} and {@code calculator} are served, other plugins are ignored) and
 * {@code status} (execution time and versions).
 */
record FaceOptions(int limit, double detProbThreshold, boolean landmarks, boolean calculator, boolean status) {
  /** Plugins CompreFace offers that this service does not compute: accepted and ignored (docs/compreface.md). */
  static final Set<String> IGNORED_PLUGINS = Set.of("age", "gender", "mask", "pose");

  static FaceOptions of(RoutingContext ctx) {
    int limit = integer(ctx, "limit", 0, 0, 1000);
    double threshold = number(ctx, "det_prob_threshold", 0, 0, 1);
    boolean landmarks = false;
    boolean calculator = false;
    String plugins = CompreFaceRoutes.param(ctx, "face_plugins");
    if (plugins != null) {
      for (String p : plugins.split(",")) {
        String slug = p.trim().toLowerCase(Locale.ROOT);
        switch (slug) {
          case "landmarks" -> landmarks = true;
          case "calculator" -> calculator = true;
          case "" -> { }
          default -> {
            if (!IGNORED_PLUGINS.contains(slug)) {
              throw new FaceException(Failure.INVALID_REQUEST, "unknown face plugin '" + slug
                  + "': landmarks and calculator are served; age, gender, mask and pose are ignored");
            }
          }
        }
      }
    }
    return new FaceOptions(limit, threshold, landmarks, calculator, bool(ctx, "status"));
  }

  /** Drops faces under the detection threshold, keeps the {@code limit} biggest; NO_FACE when none is left. */
  List<JsonObject> select(List<JsonObject> faces) {
    List<JsonObject> kept = new ArrayList<>();
    for (JsonObject f : faces) {
      if (f.getDouble("score", 1.0) >= detProbThreshold) {
        kept.add(f);
      }
    }
    if (kept.isEmpty()) {
      throw new FaceException(Failure.NO_FACE, detProbThreshold > 0
          ? "no face with a detection probability of at least " + detProbThreshold + " was found in the image"
          : "no face was found in the image");
    }
    kept.sort(Comparator.comparingDouble(FaceOptions::area).reversed());
    return limit > 0 && kept.size() > limit ? kept.subList(0, limit) : kept;
  }

  private static double area(JsonObject f) {
    JsonObject b = f.getJsonObject("box");
    return b.getDouble("width", 0.0) * b.getDouble("height", 0.0);
  }

  /**
   * A face in CompreFace's shape from ours ({@code box} x/y/width/height, {@code score}, {@code landmarks},
   * {@code embedding}): box with probability and corners, plus the plugins asked for.
   */
  JsonObject render(JsonObject face, double millis) {
    JsonObject b = face.getJsonObject("box");
    int x = b.getInteger("x");
    int y = b.getInteger("y");
    JsonObject out = new JsonObject().put("box", new JsonObject()
        .put("probability", face.getDouble("score"))
        .put("x_max", x + b.getInteger("width")).put("y_max", y + b.getInteger("height"))
        .put("x_min", x).put("y_min", y));
    if (landmarks) {
      JsonArray points = new JsonArray();
      JsonArray ours = face.getJsonArray("landmarks", new JsonArray());
      for (int i = 0; i < ours.size(); i++) {
        JsonArray p = ours.getJsonArray(i);
        points.add(new JsonArray().add(Math.round(p.getDouble(0))).add(Math.round(p.getDouble(1))));
      }
      out.put("landmarks", points);
    }
    if (calculator && face.containsKey("embedding")) {
      out.put("embedding", face.getJsonArray("embedding"));
    }
    if (status) {
      out.put("execution_time", new JsonObject().put("total", Math.round(millis * 10) / 10.0));
    }
    return out;
  }

  /** {@code plugins_versions} of a response with {@code status=true}. */
  static JsonObject versions(String profile, String modelId) {
    return new JsonObject().put("detector", "facerec." + profile).put("calculator", modelId);
  }

  private static int integer(RoutingContext ctx, String name, int dflt, int min, int max) {
    return dev.facerec.api.http.Params.integer(name, CompreFaceRoutes.param(ctx, name), dflt, min, max);
  }

  static double number(RoutingContext ctx, String name, double dflt, double min, double max) {
    String v = CompreFaceRoutes.param(ctx, name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (d >= min && d <= max) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new FaceException(Failure.INVALID_REQUEST, "parameter '" + name + "' must be a number from " + min + " to " + max);
  }

  static int count(RoutingContext ctx, String name, int dflt, int min, int max) {
    return integer(ctx, name, dflt, min, max);
  }

  static boolean bool(RoutingContext ctx, String name) {
    String v = CompreFaceRoutes.param(ctx, name);
    if (v == null || v.isBlank()) {
      return false;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new FaceException(Failure.INVALID_REQUEST, "parameter '" + name + "' must be true or false");
    };
  }
}
