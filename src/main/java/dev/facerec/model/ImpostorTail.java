package dev.facerec.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-comparison false-match rate of a profile as a function of the similarity, fitted to impostor
 * (different-person) scores: above the score {@code u} that a fraction {@code zeta} of impostor pairs reach, a
 * generalized Pareto tail (scale {@code sigma}, shape {@code xi}); below it, the empirical points of {@code body}.
 * The tail lets a 1:N threshold be set for rates no calibration set can count directly (1e-8 for a million
 * subjects at FPIR 1e-2).
 *
 * @param body empirical (FMR, threshold) points with FMR above {@code zeta}, sorted by FMR
 * @param pairs how many impostor pairs the fit saw
 */
public record ImpostorTail(double u, double zeta, double sigma, double xi, List<ProfileSpec.FmrPoint> body, long pairs) {
  private static final double XI_ZERO = 1e-9;

  public ImpostorTail {
    if (!(zeta > 0 && zeta < 1 && sigma > 0)) {
      throw new IllegalArgumentException("an impostor tail needs 0 < zeta < 1 and sigma > 0");
    }
    body = List.copyOf(body.stream().sorted(java.util.Comparator.comparingDouble(ProfileSpec.FmrPoint::fmr)).toList());
  }

  /** The largest per-comparison FMR the model answers for: the loosest body point, else {@code zeta}. */
  public double maxFmr() {
    return body.isEmpty() ? zeta : Math.max(zeta, body.get(body.size() - 1).fmr());
  }

  /** The modelled share of impostor pairs scoring at least {@code s}. */
  public double fmr(double s) {
    if (s >= u) {
      double z = (s - u) / sigma;
      if (Math.abs(xi) < XI_ZERO) {
        return zeta * Math.exp(-z);
      }
      double base = 1 + xi * z;
      return base <= 0 ? 0 : zeta * Math.pow(base, -1 / xi);
    }
    // Between body points: linear in score against log FMR, as ThresholdPolicy does for the 1:1 curve.
    ProfileSpec.FmrPoint hi = new ProfileSpec.FmrPoint(zeta, u);
    for (int i = 0; i < body.size(); i++) {
      ProfileSpec.FmrPoint lo = body.get(i);
      if (lo.fmr() <= zeta) {
        continue;
      }
      if (s >= lo.threshold()) {
        double w = (s - hi.threshold()) / (lo.threshold() - hi.threshold());
        return Math.exp(Math.log(hi.fmr()) + w * (Math.log(lo.fmr()) - Math.log(hi.fmr())));
      }
      hi = lo;
    }
    return hi.fmr();
  }

  /**
   * The score whose modelled FMR is {@code p} (the inverse of {@link #fmr}).
   *
   * @throws IllegalArgumentException when {@code p} is not in (0, {@link #maxFmr()}]
   */
  public double score(double p) {
    if (!(p > 0 && p <= maxFmr())) {
      throw new IllegalArgumentException(String.format("a per-comparison FMR of %.3g is outside (0, %.3g], the modelled range", p, maxFmr()));
    }
    if (p <= zeta) {
      double r = p / zeta;
      double s = Math.abs(xi) < XI_ZERO ? u - sigma * Math.log(r) : u + sigma / xi * (Math.pow(r, -xi) - 1);
      return Math.min(s, 1.0);
    }
    ProfileSpec.FmrPoint hi = new ProfileSpec.FmrPoint(zeta, u);
    for (ProfileSpec.FmrPoint lo : body) {
      if (lo.fmr() <= zeta) {
        continue;
      }
      if (p <= lo.fmr()) {
        double w = (Math.log(p) - Math.log(hi.fmr())) / (Math.log(lo.fmr()) - Math.log(hi.fmr()));
        return hi.threshold() + w * (lo.threshold() - hi.threshold());
      }
      hi = lo;
    }
    return hi.threshold();
  }

  /**
   * Fits the model to impostor scores: {@code u} is the score that a fraction {@code zeta} of them reach, the
   * excesses over it get a generalized Pareto fit by probability-weighted moments (Hosking and Wallis 1987: stable
   * for the short, bounded tails of cosine scores, where maximum likelihood may not converge), and the body keeps
   * the empirical thresholds at the FMRs of {@code bodyFmrs} above {@code zeta}.
   */
  public static ImpostorTail fit(float[] scores, double zeta, double... bodyFmrs) {
    float[] sorted = scores.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    int k = (int) Math.round(zeta * n);
    if (k < 50) {
      throw new IllegalArgumentException("too few impostor scores (" + n + ") for a tail of " + zeta + ": fewer than 50 exceedances");
    }
    double u = sorted[n - k - 1];
    double[] y = new double[k];
    for (int i = 0; i < k; i++) {
      y[i] = sorted[n - k + i] - u; // ascending
    }
    double a0 = 0;
    double a1 = 0;
    for (int i = 0; i < k; i++) {
      a0 += y[i];
      a1 += (1 - (i + 1 - 0.35) / k) * y[i];
    }
    a0 /= k;
    a1 /= k;
    double shapeK = a0 / (a0 - 2 * a1) - 2; // Hosking's k = -xi
    double sigma = 2 * a0 * a1 / (a0 - 2 * a1);
    List<ProfileSpec.FmrPoint> body = new ArrayList<>();
    for (double f : bodyFmrs) {
      if (f > zeta && f < 1) {
        body.add(new ProfileSpec.FmrPoint(f, thresholdAt(sorted, f)));
      }
    }
    return new ImpostorTail(u, k / (double) n, sigma, -shapeK, body, n);
  }

  /** The empirical score that a fraction {@code fmr} of the sorted scores reach. */
  public static double thresholdAt(float[] sorted, double fmr) {
    int k = (int) Math.round(fmr * sorted.length);
    return sorted[Math.max(0, sorted.length - k - 1)];
  }
}
