package dev.facerec.eval;

import java.util.Arrays;
import java.util.List;

/**
 * Open-set identification rates. Each probe has its best gallery similarity; a mated probe (its
 * identity is enrolled) also says whether the best subject was the right one. At threshold t:
 * FPIR = non-mated probes with best similarity >= t; FNIR = mated probes not returned at rank 1 with
 * similarity >= t.
 */
public final class OpenSet {
  /** A probe's outcome; {@code best} is -infinity when no face was found in it. */
  public record Probe(boolean mated, boolean rank1Correct, double best) {}

  private final double[] matedScores; // best score of mated probes correct at rank 1, ascending
  private final int mated;
  private final int rank1Correct;
  private final double[] nonMated; // ascending

  public OpenSet(List<Probe> probes) {
    mated = (int) probes.stream().filter(Probe::mated).count();
    rank1Correct = (int) probes.stream().filter(p -> p.mated() && p.rank1Correct()).count();
    matedScores = probes.stream().filter(p -> p.mated() && p.rank1Correct()).mapToDouble(Probe::best).sorted().toArray();
    nonMated = probes.stream().filter(p -> !p.mated()).mapToDouble(Probe::best).sorted().toArray();
    if (mated == 0 || nonMated.length == 0) {
      throw new IllegalArgumentException("open-set identification needs mated and non-mated probes");
    }
  }

  public int matedCount() {
    return mated;
  }

  public int nonMatedCount() {
    return nonMated.length;
  }

  /** Closed-set rank-1 identification rate over the mated probes. */
  public double rank1() {
    return rank1Correct / (double) mated;
  }

  public double fpir(double t) {
    return Roc.countAtLeast(nonMated, t) / (double) nonMated.length;
  }

  public double fnir(double t) {
    return 1 - Roc.countAtLeast(matedScores, t) / (double) mated;
  }

  /** Smallest threshold with FPIR <= target (see {@link Roc#thresholdAtFar(double)}). */
  public double thresholdAtFpir(double target) {
    int allowed = (int) Math.floor(target * nonMated.length + 1e-9);
    if (allowed >= nonMated.length) {
      return nonMated[0];
    }
    return Math.nextUp(nonMated[nonMated.length - 1 - allowed]);
  }

  public boolean enoughNonMatedFor(double fpir) {
    return nonMated.length >= Math.ceil(1 / fpir - 1e-9);
  }

  /** The non-mated best scores, ascending (for plots). */
  public double[] nonMatedScores() {
    return Arrays.copyOf(nonMated, nonMated.length);
  }
}
