package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.store.GalleryStore.CollectionSettings;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Per-collection decision settings: a raw threshold or a target false-match rate, and a minimum margin. */
final class CollectionHandlers {
  private final ApiContext api;

  CollectionHandlers(ApiContext api) {
    this.api = api;
  }

  void getSettings(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    api.store().collectionSettings(collection)
        .onSuccess(s -> SubjectHandlers.json(ctx, 200, view(collection, s)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void putSettings(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    JsonObject body = SubjectHandlers.jsonBody(ctx);
    Double threshold = number(body, "threshold", -1, 1);
    Double targetFmr = number(body, "targetFmr", 0, 1);
    Double minMargin = number(body, "minMargin", 0, 1);
    if (threshold != null && targetFmr != null) {
      throw new FaceException(Failure.INVALID_REQUEST, "set either 'threshold' or 'targetFmr', not both");
    }
    if (targetFmr != null) {
      api.thresholds().thresholdFor(targetFmr); // refuses a rate outside the calibrated range now, not at identify time
    }
    api.recognition().putSettings(collection, new CollectionSettings(threshold, targetFmr, minMargin))
        .onSuccess(s -> SubjectHandlers.json(ctx, 200, view(collection, s)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private JsonObject view(String collection, CollectionSettings s) {
    double effective = s.threshold() != null ? s.threshold()
        : s.targetFmr() != null ? api.thresholds().thresholdFor(s.targetFmr()) : api.identifyThreshold();
    return s.toJson().put("collection", collection).put("effectiveThreshold", RecognitionHandlers.round((float) effective));
  }

  private static Double number(JsonObject body, String field, double min, double max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && n.doubleValue() >= min && n.doubleValue() <= max && (field.equals("threshold") || n.doubleValue() > min)) {
      return n.doubleValue();
    }
    throw new FaceException(Failure.INVALID_REQUEST, "'" + field + "' must be a number in (" + min + ", " + max + ") or null");
  }
}
