package dev.facerec.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * Score normalization against an impostor cohort: embeddings of identities that are neither enrolled nor probing,
 * so every cohort score is an impostor score. A probe's raw score s for a subject becomes:
 * <ul>
 *   <li>{@code none}: s;
 *   <li>{@code cohort-probe} (T-norm): (s − μ_probe) / σ_probe, the probe's cosines to the cohort;
 *   <li>{@code cohort-subject} (Z-norm): (s − μ_subject) / σ_subject, the subject's template scored against the
 *       cohort by the same rule;
 *   <li>{@code cohort-sym} (S-norm): the mean of the two above;
 *   <li>{@code cohort-top}: s − the mean of the probe's k highest cohort cosines (a probe that resembles many
 *       strangers is discounted by how much).
 * </ul>
 */
public final class CohortNorm {
  /** Which normalization. */
  public enum Kind {
    NONE("none"), PROBE("cohort-probe"), SUBJECT("cohort-subject"), SYMMETRIC("cohort-sym"), PROBE_TOP("cohort-top");

    private final String id;

    Kind(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public boolean needsCohort() {
      return this != NONE;
    }

    public static Kind parse(String s) {
      for (Kind k : values()) {
        if (k.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown norm '" + s
          + "' (none, cohort-probe, cohort-subject, cohort-sym or cohort-top)");
    }
  }

  /** Mean and population standard deviation of a set of cohort scores, with the mean of the top k. */
  public record Stats(double mean, double std, double topMean) {
    /** A standard deviation below this is treated as this, so identical cohort scores do not divide by zero. */
    static final double MIN_STD = 1e-6;

    public static Stats of(double[] cohortScores, int top) {
      int n = cohortScores.length;
      if (n == 0) {
        throw new IllegalArgumentException("empty cohort");
      }
      double mean = Arrays.stream(cohortScores).sum() / n;
      double var = Arrays.stream(cohortScores).map(x -> (x - mean) * (x - mean)).sum() / n;
      return new Stats(mean, Math.sqrt(var), CohortNorm.topMean(cohortScores, top));
    }

    public double z(double s) {
      return (s - mean) / Math.max(std, MIN_STD);
    }
  }

  private CohortNorm() {}

  /**
   * The normalized score.
   *
   * @param probe the probe's cohort statistics (unused by {@code none} and {@code cohort-subject})
   * @param subject the subject template's cohort statistics (used by {@code cohort-subject} and {@code cohort-sym})
   */
  public static double apply(Kind kind, double s, Stats probe, Stats subject) {
    return switch (kind) {
      case NONE -> s;
      case PROBE -> probe.z(s);
      case SUBJECT -> subject.z(s);
      case SYMMETRIC -> (probe.z(s) + subject.z(s)) / 2;
      case PROBE_TOP -> s - probe.topMean();
    };
  }

  /** Mean of the k highest values (all of them when there are fewer than k). */
  static double topMean(double[] xs, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("top k must be at least 1");
    }
    double[] sorted = xs.clone();
    Arrays.sort(sorted);
    int m = Math.min(k, sorted.length);
    double sum = 0;
    for (int i = sorted.length - m; i < sorted.length; i++) {
      sum += sorted[i];
    }
    return sum / m;
  }
}
