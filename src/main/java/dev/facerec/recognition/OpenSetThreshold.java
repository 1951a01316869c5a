package dev.facerec.recognition;

import dev.facerec.model.ImpostorTail;

/**
 * The 1:N threshold that keeps a target false-positive identification rate (FPIR: the chance that a stranger is
 * matched to someone) on a gallery of {@code n} subjects. A stranger is compared with every subject, so with
 * independent comparisons FPIR = 1 - (1 - FMR)^n; the threshold is the score whose per-comparison FMR, read from
 * the profile's fitted impostor tail, is 1 - (1 - FPIR)^(1/n).
 */
public final class OpenSetThreshold {
  private final ImpostorTail tail;

  public OpenSetThreshold(ImpostorTail tail) {
    this.tail = tail;
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
}
