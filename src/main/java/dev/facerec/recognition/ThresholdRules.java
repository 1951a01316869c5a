package dev.facerec.recognition;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.model.ThresholdPolicy;
import dev.facerec.store.GalleryStore.CollectionSettings;
import java.util.Locale;

/**
 * Which threshold decides a request and where it came from. Verify (1:1) takes a raw {@code threshold} or a
 * {@code targetFmr}, the chance that two different people match, read on the 1:1 calibration curve. Identify (1:N)
 * takes a raw {@code threshold} or a {@code targetFpir}, the chance that a stranger is matched to someone in the
 * gallery, sized by {@link OpenSetThreshold} for the collection's subject count; the request wins over the
 * collection's settings, which win over the default. A rate given to the wrong decision is refused with
 * {@link Failure#TARGET_RATE_MISMATCH}: a 1:1 rate on a gallery lets many more strangers through than it says.
 */
public final class ThresholdRules {
  /** The smallest and largest FPIR accepted: beyond them the fitted tail, or the rate itself, means little. */
  public static final double MIN_FPIR = 1e-6;
  public static final double MAX_FPIR = 0.1;
  /** Identify's default FPIR: the rate the manifest's fixed 1:N threshold was calibrated for. */
  public static final double DEFAULT_FPIR = 1e-2;

  /** A request's decision parameters; null when not given. */
  public record Request(Double threshold, Double targetFmr, Double targetFpir, Double minMargin) {
    public static final Request NONE = new Request(null, null, null, null);
  }

  /**
   * The deployment's defaults. {@code openSet} is null when the profile has no impostor tail: identify then defaults
   * to {@code identifyThreshold} and refuses {@code targetFpir}; {@code identifyFixed} (the operator set the 1:N
   * threshold) keeps that default but still honours an explicit {@code targetFpir}.
   */
  public record Defaults(String profile, double verifyThreshold, String verifySource, double identifyThreshold,
      String identifySource, double defaultFpir, double minMargin, ThresholdPolicy verifyCurve, OpenSetThreshold openSet,
      boolean identifyFixed) {}

  private final Defaults d;

  public ThresholdRules(Defaults defaults) {
    this.d = defaults;
  }

  public Policy forVerify(Request r) {
    if (r.targetFpir() != null) {
      throw new FaceException(Failure.TARGET_RATE_MISMATCH,
          "verify compares two faces: it takes 'targetFmr' (the chance that two different people match), not 'targetFpir'");
    }
    both(r.threshold(), r.targetFmr(), "targetFmr");
    double margin = r.minMargin() != null ? r.minMargin() : d.minMargin();
    if (r.threshold() != null) {
      return new Policy(r.threshold(), "request threshold", margin);
    }
    if (r.targetFmr() != null) {
      return new Policy(d.verifyCurve().thresholdFor(r.targetFmr()), String.format(Locale.ROOT,
          "request targetFmr=%.0e, from the 1:1 calibration curve of profile '%s'", r.targetFmr(), d.profile()), margin);
    }
    return new Policy(d.verifyThreshold(), d.verifySource(), margin);
  }

  /** Refuses a request or collection that gives identify a 1:1 rate, before the collection's size is looked up. */
  public void checkIdentify(Request r, String collection, CollectionSettings s) {
    if (r.targetFmr() != null) {
      throw new FaceException(Failure.TARGET_RATE_MISMATCH, "identify searches a gallery: give 'targetFpir' (the chance that a"
          + " stranger is matched to someone in it), not 'targetFmr' (a 1:1 rate, which lets far more strangers through)");
    }
    both(r.threshold(), r.targetFpir(), "targetFpir");
    if (r.threshold() == null && r.targetFpir() == null && s.threshold() == null && s.targetFpir() == null && s.targetFmr() != null) {
      throw new FaceException(Failure.TARGET_RATE_MISMATCH, "collection '" + collection + "' sets 'targetFmr', a 1:1 rate that"
          + " identify does not take: set 'targetFpir' in its settings instead (PUT /api/v1/collections/" + collection + "/settings)");
    }
    if (r.targetFpir() != null) {
      fpirThreshold(r.targetFpir(), 1); // range and calibration, before any work
    }
  }

  /** Whether deciding this request needs the collection's subject count. */
  public boolean needsSize(Request r, CollectionSettings s) {
    if (r.threshold() != null) {
      return false;
    }
    if (r.targetFpir() != null || s.targetFpir() != null) {
      return true;
    }
    return s.threshold() == null && !d.identifyFixed() && d.openSet() != null;
  }

  /** The identify policy for a collection of {@code subjects} subjects (ignored unless {@link #needsSize}). */
  public Policy forIdentify(Request r, String collection, CollectionSettings s, long subjects) {
    return forIdentify(r, collection, s, GallerySize.of(subjects));
  }

  /** The identify policy for a collection of this size (ignored unless {@link #needsSize}). */
  public Policy forIdentify(Request r, String collection, CollectionSettings s, GallerySize subjects) {
    checkIdentify(r, collection, s);
    double margin = r.minMargin() != null ? r.minMargin() : s.minMargin() != null ? s.minMargin() : d.minMargin();
    if (r.threshold() != null) {
      return new Policy(r.threshold(), "request threshold", margin);
    }
    if (r.targetFpir() != null) {
      return new Policy(fpirThreshold(r.targetFpir(), subjects), fpirSource("request targetFpir", r.targetFpir(), subjects), margin);
    }
    if (s.threshold() != null) {
      return new Policy(s.threshold(), "collection '" + collection + "' threshold", margin);
    }
    if (s.targetFpir() != null) {
      return new Policy(fpirThreshold(s.targetFpir(), subjects),
          fpirSource("collection '" + collection + "' targetFpir", s.targetFpir(), subjects), margin);
    }
    if (d.identifyFixed() || d.openSet() == null) {
      return new Policy(d.identifyThreshold(), d.identifySource(), margin);
    }
    return new Policy(fpirThreshold(d.defaultFpir(), subjects), fpirSource("default targetFpir", d.defaultFpir(), subjects), margin);
  }

  /** The threshold a collection's settings give at {@code subjects} subjects (the settings view shows it). */
  public double effective(String collection, CollectionSettings s, GallerySize subjects) {
    return forIdentify(Request.NONE, collection, s, subjects).threshold();
  }

  /** Refuses a collection setting that identify could not honour. */
  public void checkSettings(Double threshold, Double targetFmr, Double targetFpir) {
    if (targetFmr != null) {
      throw new FaceException(Failure.TARGET_RATE_MISMATCH, "a collection is searched 1:N: set 'targetFpir' (the chance that a"
          + " stranger is matched to someone in it), not 'targetFmr' (a 1:1 rate)");
    }
    both(threshold, targetFpir, "targetFpir");
    if (targetFpir != null) {
      fpirThreshold(targetFpir, 1);
    }
  }

  private double fpirThreshold(double fpir, long subjects) {
    return fpirThreshold(fpir, GallerySize.of(subjects));
  }

  private double fpirThreshold(double fpir, GallerySize size) {
    if (d.openSet() == null) {
      throw new FaceException(Failure.INVALID_REQUEST, "profile '" + d.profile() + "' has no fitted impostor tail:"
          + " give a raw 'threshold' instead of 'targetFpir'");
    }
    if (!(fpir >= MIN_FPIR && fpir <= MAX_FPIR)) {
      throw new FaceException(Failure.INVALID_REQUEST, String.format(Locale.ROOT, "'targetFpir' must be between %.0e and %.0e", MIN_FPIR, MAX_FPIR));
    }
    return d.openSet().threshold(new GallerySize(Math.max(1, size.subjects()), size.multiFace()), fpir);
  }

  private String fpirSource(String what, double fpir, GallerySize size) {
    String several = size.multiFace() == 0 ? "" : String.format(Locale.ROOT, " (%d scored by the centroid of several faces)", size.multiFace());
    return String.format(Locale.ROOT, "%s=%.0e for %d subjects%s, from the impostor tails of profile '%s'", what, fpir,
        Math.max(1, size.subjects()), several, d.profile());
  }

  private static void both(Double threshold, Double rate, String name) {
    if (threshold != null && rate != null) {
      throw new FaceException(Failure.INVALID_REQUEST, "give either 'threshold' or '" + name + "', not both");
    }
  }
}
