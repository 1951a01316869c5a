package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.store.GalleryStore.CollectionSettings;
import dev.facerec.recognition.Policy;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Which threshold and margin decide a request, and where they came from: the request's {@code threshold}
 * or {@code targetFmr}, else the collection's settings, else the configured or calibrated default (the 1:N
 * one for identify, calibrated on a false-positive identification rate; the 1:1 one for verify). A target
 * FMR is a per-comparison rate, resolved through the 1:1 calibration curve.
 */
public final class Decisions {
  private final ApiContext api;

  public Decisions(ApiContext api) {
    this.api = api;
  }

  /** For identify: the collection's settings, else the 1:N default. */
  public Future<Policy> forIdentify(RoutingContext ctx, String collection) {
    return resolve(ctx, collection, new Policy(api.identifyThreshold(), api.identifyThresholdSource(), 0));
  }

  /** For verify (1:1): the request's parameters, else the 1:1 default. */
  public Future<Policy> forVerify(RoutingContext ctx) {
    return resolve(ctx, null, new Policy(api.threshold(), api.thresholdSource(), 0));
  }

  private Future<Policy> resolve(RoutingContext ctx, String collection, Policy dflt) {
    Double threshold = decimal(ctx, "threshold", -1, 1);
    Double targetFmr = decimal(ctx, "targetFmr", 0, 1);
    Double minMargin = decimal(ctx, "minMargin", 0, 1);
    if (threshold != null && targetFmr != null) {
      throw new FaceException(Failure.INVALID_REQUEST, "give either 'threshold' or 'targetFmr', not both");
    }
    Future<CollectionSettings> settings = collection == null
        ? Future.succeededFuture(CollectionSettings.NONE)
        : api.store().collectionSettings(collection);
    return settings.map(s -> {
      double margin = minMargin != null ? minMargin : s.minMargin() != null ? s.minMargin() : api.config().recognition().minMargin();
      if (threshold != null) {
        return new Policy(threshold, "request threshold", margin);
      }
      if (targetFmr != null) {
        return new Policy(api.thresholds().thresholdFor(targetFmr), fmrSource("request targetFmr", targetFmr), margin);
      }
      if (s.threshold() != null) {
        return new Policy(s.threshold(), "collection '" + collection + "' threshold", margin);
      }
      if (s.targetFmr() != null) {
        return new Policy(api.thresholds().thresholdFor(s.targetFmr()), fmrSource("collection '" + collection + "' targetFmr", s.targetFmr()), margin);
      }
      return new Policy(dflt.threshold(), dflt.source(), margin);
    });
  }

  private String fmrSource(String what, double fmr) {
    return String.format("%s=%.0e, from the calibration curve of profile '%s'", what, fmr, api.profile());
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
