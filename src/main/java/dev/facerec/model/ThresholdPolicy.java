package dev.facerec.model;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import java.util.List;

/**
 * Turns a target false-match rate into a similarity threshold. A profile with a fitted impostor tail
 * ({@code calibration.impostorTail}: every pair of different people of the calibration set, millions of pairs) reads
 * it there, from 1e-5, the rarest rate its pairs still count (134 pairs on LFW), to the tail's loosest; otherwise the
 * calibration curve of labeled pairs, interpolating linearly in log(FMR) between its points. Targets outside the
 * range are refused: extrapolating a tail nobody measured would make the stated rate a guess.
 */
public final class ThresholdPolicy {
  /** The rarest FMR a tail answers: LFW's 13.4 M impostor pairs count 134 above it, and the fit matches them to 0.005. */
  static final double MIN_TAIL_FMR = 1e-5;

  private final List<ProfileSpec.FmrPoint> points;
  private final ImpostorTail tail;
  private final String profile;

  public ThresholdPolicy(ProfileSpec profile) {
    this.points = profile.fmrThresholds();
    this.tail = profile.impostorTail();
    this.profile = profile.id();
  }

  public boolean calibrated() {
    return tail != null || !points.isEmpty();
  }

  public double minFmr() {
    return tail != null ? MIN_TAIL_FMR : points.get(0).fmr();
  }

  public double maxFmr() {
    return tail != null ? tail.maxFmr() : points.get(points.size() - 1).fmr();
  }

  /** @throws FaceException INVALID_REQUEST when the target is outside the calibrated range */
  public double thresholdFor(double targetFmr) {
    if (!calibrated()) {
      throw new FaceException(Failure.INVALID_REQUEST, "profile '" + profile + "' has no calibration curve: set a raw threshold instead");
    }
    if (!(targetFmr >= minFmr() && targetFmr <= maxFmr())) {
      throw new FaceException(Failure.INVALID_REQUEST, String.format(
          "targetFmr must be between %.0e and %.0e, the range calibrated for profile '%s'", minFmr(), maxFmr(), profile));
    }
    if (tail != null) {
      return tail.score(targetFmr);
    }
    for (int i = 1; i < points.size(); i++) {
      ProfileSpec.FmrPoint lo = points.get(i - 1);
      ProfileSpec.FmrPoint hi = points.get(i);
      if (targetFmr <= hi.fmr()) {
        double span = Math.log(hi.fmr()) - Math.log(lo.fmr());
        double w = span == 0 ? 0 : (Math.log(targetFmr) - Math.log(lo.fmr())) / span;
        return lo.threshold() + w * (hi.threshold() - lo.threshold());
      }
    }
    return points.get(points.size() - 1).threshold();
  }
}
