package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.store.GalleryStore.CollectionSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Per-collection decision settings: a raw threshold or a target false-positive identification rate, and a
 * minimum margin.
 */
final class CollectionHandlers {
  private final ApiContext api;

  CollectionHandlers(ApiContext api) {
    this.api = api;
  }

  void getSettings(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    api.store().collectionSettings(collection)
        .compose(s -> view(collection, s))
        .onSuccess(v -> SubjectHandlers.json(ctx, 200, v))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void putSettings(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    JsonObject body = SubjectHandlers.jsonBody(ctx);
    Double threshold = number(body, "threshold", -1, 1);
    Double targetFmr = number(body, "targetFmr", 0, 1);
    Double targetFpir = number(body, "targetFpir", 0, 1);
    Double minMargin = number(body, "minMargin", 0, 1);
    api.rules().checkSettings(threshold, targetFmr, targetFpir); // refused now, not at identify time
    api.recognition().putSettings(collection, new CollectionSettings(threshold, null, targetFpir, minMargin))
        .compose(s -> view(collection, s))
        .onSuccess(v -> SubjectHandlers.json(ctx, 200, v))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** The settings with the threshold they give identify now, at the collection's current subject count. */
  private Future<JsonObject> view(String collection, CollectionSettings s) {
    return api.gallerySizes().count(collection).map(n -> {
      JsonObject v = s.toJson().put("collection", collection).put("subjects", n.subjects()).put("subjectsWithSeveralFaces", n.multiFace());
      try {
        return v.put("effectiveThreshold", RecognitionHandlers.round((float) api.rules().effective(collection, s, n)));
      } catch (FaceException e) {
        return v.putNull("effectiveThreshold").put("problem", e.getMessage()); // e.g. a targetFmr stored before targetFpir existed
      }
    });
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
