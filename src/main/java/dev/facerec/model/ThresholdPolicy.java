package dev.facerec.model;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import java.util.List;

/**
 * Turns a target false-match rate into a similarity threshold using the profile's calibration curve,
 * interpolating linearly in log(FMR) between calibrated points. Targets outside the calibrated range are
 * refused: extrapolating a tail nobody measured would make the stated rate a guess.
 */
public final class ThresholdPolicy {
  private final List<ProfileSpec.FmrPoint> points;
  private final String profile;

  public ThresholdPolicy(ProfileSpec profile) {
    this.points = profile.fmrThresholds();
    this.profile = profile.id();
  }

  public boolean calibrated() {
    return !points.isEmpty();
  }

  public double minFmr() {
    return points.get(0).fmr();
  }

  public double maxFmr() {
    return points.get(points.size() - 1).fmr();
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
