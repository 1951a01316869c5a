package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.recognition.Policy;
import dev.facerec.recognition.ThresholdRules;
import dev.facerec.store.GalleryStore.CollectionSettings;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request's decision parameters and hands them, with the collection's settings and subject count, to
 * {@link ThresholdRules}, which owns the rules.
 */
public final class Decisions {
  private final ApiContext api;

  public Decisions(ApiContext api) {
    this.api = api;
  }

  /** For identify: the request's parameters, else the collection's settings, else the 1:N default for its size. */
  public Future<Policy> forIdentify(RoutingContext ctx, String collection) {
    ThresholdRules.Request r = request(ctx);
    ThresholdRules rules = api.rules();
    if (r.targetFmr() != null) {
      rules.checkIdentify(r, collection, CollectionSettings.NONE); // refused before any lookup
    }
    return api.store().collectionSettings(collection).compose(s -> {
      rules.checkIdentify(r, collection, s);
      Future<dev.facerec.recognition.GallerySize> size = rules.needsSize(r, s) ? api.gallerySizes().count(collection)
          : Future.succeededFuture(dev.facerec.recognition.GallerySize.of(0));
      return size.map(n -> rules.forIdentify(r, collection, s, n));
    });
  }

  /** For verify (1:1): the request's parameters, else the 1:1 default. */
  public Future<Policy> forVerify(RoutingContext ctx) {
    return Future.succeededFuture(api.rules().forVerify(request(ctx)));
  }

  private static ThresholdRules.Request request(RoutingContext ctx) {
    return new ThresholdRules.Request(decimal(ctx, "threshold", -1, 1), decimal(ctx, "targetFmr", 0, 1),
        decimal(ctx, "targetFpir", 0, 1), decimal(ctx, "minMargin", 0, 1));
  }

  private static Double decimal(RoutingContext ctx, String name, double min, double max) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (d >= min && d <= max && (name.equals("threshold") || d > min)) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new FaceException(Failure.INVALID_REQUEST, "parameter '" + name + "' must be a number in (" + min + ", " + max + ")");
  }
}
