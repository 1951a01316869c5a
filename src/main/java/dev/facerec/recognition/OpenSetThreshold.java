package dev.facerec.recognition;

import dev.facerec.model.ImpostorTail;
import java.util.List;

/**
 * The 1:N threshold that keeps a target false-positive identification rate (FPIR: the chance that a stranger is
 * matched to someone) on a gallery of {@code n} subjects. A stranger is compared with every subject, so with
 * independent comparisons FPIR = 1 - (1 - FMR)^n; the threshold is the score whose per-comparison FMR, read from
 * the profile's fitted impostor tail, is 1 - (1 - FPIR)^(1/n).
 *
 * <p>A subject scored by the centroid of several faces has a heavier impostor tail than one face (the mean of unit
 * vectors is shorter than one, and normalising it stretches every cosine to it). With a centroid tail, a gallery of
 * n1 single-face and nc several-face subjects gives FPIR = 1 - (1 - FMR1)^n1 (1 - FMRc)^nc, solved for the threshold.
 * The tail grows with the face count (measured for 2, 3 and 5 faces); FMRc(t) is the largest of the measured tails at
 * t, so no subject is assumed lighter than any count measured.
 */
public final class OpenSetThreshold {
  private final ImpostorTail tail;
  private final List<ImpostorTail> centroidTails;

  public OpenSetThreshold(ImpostorTail tail) {
    this(tail, List.of());
  }

  /** {@code centroidTails}: the tails of subjects with several faces; empty: they count as single faces. */
  public OpenSetThreshold(ImpostorTail tail, List<ImpostorTail> centroidTails) {
    this.tail = tail;
    this.centroidTails = List.copyOf(centroidTails);
  }

  /** The per-comparison FMR at which {@code n} independent comparisons give {@code fpir}. */
  public static double perComparisonFmr(double fpir, long n) {
    // expm1/log1p: for n = 1e6 and fpir = 1e-3 the plain formula loses most digits to rounding.
    return -Math.expm1(Math.log1p(-fpir) / Math.max(1, n));
  }

  /** The FPIR that threshold {@code t} gives on {@code n} subjects, by the same model. */
  public double fpir(double t, long n) {
    return -Math.expm1(Math.max(1, n) * Math.log1p(-tail.fmr(t)));
  }

  /**
   * The threshold for {@code fpir} on {@code n} subjects. A gallery so small that the rate asks for an FMR above
   * the modelled range gets the threshold at the loosest modelled FMR: stricter than asked, never looser.
   */
  public double threshold(long n, double fpir) {
    if (!(fpir > 0 && fpir < 1)) {
      throw new IllegalArgumentException("an FPIR is between 0 and 1, got " + fpir);
    }
    return tail.score(Math.min(perComparisonFmr(fpir, n), tail.maxFmr()));
  }

  /** The FPIR that threshold {@code t} gives on {@code size}, by the same model. */
  public double fpir(double t, GallerySize size) {
    return -Math.expm1(-expectedFalseMatches(t, size));
  }

  /** As {@link #threshold(long, double)}, for a gallery whose several-face subjects are scored by their centroid. */
  public double threshold(GallerySize size, double fpir) {
    if (centroidTails.isEmpty() || size.multiFace() == 0) {
      return threshold(size.subjects(), fpir);
    }
    if (!(fpir > 0 && fpir < 1)) {
      throw new IllegalArgumentException("an FPIR is between 0 and 1, got " + fpir);
    }
    // -log(1 - FPIR) = n1 (-log(1 - FMR1(t))) + nc (-log(1 - FMRc(t))): decreasing in t, so bisect. Below the
    // loosest modelled score of either tail the model says nothing: stricter than asked, never looser.
    double target = -Math.log1p(-fpir);
    double lo = tail.score(tail.maxFmr());
    for (ImpostorTail c : centroidTails) {
      lo = Math.max(lo, c.score(c.maxFmr()));
    }
    if (expectedFalseMatches(lo, size) <= target) {
      return lo;
    }
    double hi = 1.0;
    for (int i = 0; i < 60 && hi - lo > 1e-7; i++) {
      double mid = (lo + hi) / 2;
      if (expectedFalseMatches(mid, size) > target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /** -log of the chance that a stranger matches no one at threshold {@code t}. */
  private double expectedFalseMatches(double t, GallerySize size) {
    long several = centroidTails.isEmpty() ? 0 : size.multiFace();
    double single = -(several == 0 ? Math.max(1, size.subjects()) : size.subjects() - several) * Math.log1p(-tail.fmr(t));
    return several == 0 ? single : single - several * Math.log1p(-centroidFmr(t));
  }

  /** The per-comparison FMR of a several-face subject at {@code t}: the heaviest measured centroid tail. */
  double centroidFmr(double t) {
    double f = 0;
    for (ImpostorTail c : centroidTails) {
      f = Math.max(f, c.fmr(t));
    }
    return f;
  }
}
