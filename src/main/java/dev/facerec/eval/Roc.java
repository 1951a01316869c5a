package dev.facerec.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verification error rates of a set of genuine (same identity) and impostor (different identity)
 * similarity scores, with the decision rule "match when similarity >= threshold".
 */
public final class Roc {
  private final double[] genuine; // ascending
  private final double[] impostor; // ascending

  public Roc(double[] genuine, double[] impostor) {
    if (genuine.length == 0 || impostor.length == 0) {
      throw new IllegalArgumentException("need at least one genuine and one impostor score");
    }
    this.genuine = genuine.clone();
    this.impostor = impostor.clone();
    Arrays.sort(this.genuine);
    Arrays.sort(this.impostor);
  }

  public static Roc of(double[] scores, boolean[] same) {
    int ng = 0;
    for (boolean s : same) {
      ng += s ? 1 : 0;
    }
    double[] g = new double[ng];
    double[] i = new double[scores.length - ng];
    int a = 0;
    int b = 0;
    for (int k = 0; k < scores.length; k++) {
      if (same[k]) {
        g[a++] = scores[k];
      } else {
        i[b++] = scores[k];
      }
    }
    return new Roc(g, i);
  }

  public int genuineCount() {
    return genuine.length;
  }

  public int impostorCount() {
    return impostor.length;
  }

  /** False accept (false match) rate: impostor scores >= t. */
  public double far(double t) {
    return countAtLeast(impostor, t) / (double) impostor.length;
  }

  /** True accept rate: genuine scores >= t. */
  public double tar(double t) {
    return countAtLeast(genuine, t) / (double) genuine.length;
  }

  /** False reject rate = 1 - TAR. */
  public double frr(double t) {
    return 1 - tar(t);
  }

  /** Number of values of an ascending array that are >= t. */
  static int countAtLeast(double[] ascending, double t) {
    int lo = 0;
    int hi = ascending.length;
    while (lo < hi) { // first index with value >= t
      int mid = (lo + hi) >>> 1;
      if (ascending[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return ascending.length - lo;
  }

  /**
   * Area under the ROC curve: the probability that a random genuine score is above a random impostor
   * score, ties counting one half (Mann-Whitney U / (n_g * n_i)).
   */
  public double auc() {
    double u = 0;
    int j = 0; // impostors < g
    int k = 0; // impostors <= g
    for (double g : genuine) {
      while (j < impostor.length && impostor[j] < g) {
        j++;
      }
      k = Math.max(k, j);
      while (k < impostor.length && impostor[k] <= g) {
        k++;
      }
      u += j + 0.5 * (k - j);
    }
    return u / ((double) genuine.length * impostor.length);
  }

  /**
   * Smallest threshold whose false-match rate is at most {@code target}: with the impostor scores sorted
   * descending s1 >= s2 >= ..., at most floor(target * n) of them may be accepted, so the threshold is the
   * smallest double above s(floor(target*n)+1). When every impostor may be accepted it is the lowest score
   * of all (nothing to reject).
   */
  public double thresholdAtFar(double target) {
    int allowed = (int) Math.floor(target * impostor.length + 1e-9);
    if (allowed >= impostor.length) {
      return Math.min(impostor[0], genuine[0]);
    }
    double s = impostor[impostor.length - 1 - allowed];
    return Math.nextUp(s);
  }

  /** Whether {@code far} can be measured: at least 1/far impostor scores. */
  public boolean enoughImpostorsFor(double far) {
    return impostor.length >= Math.ceil(1 / far - 1e-9);
  }

  /** TAR at the threshold of {@link #thresholdAtFar(double)}. */
  public double tarAtFar(double target) {
    return tar(thresholdAtFar(target));
  }

  /**
   * Equal error rate: where FAR = FRR on the piecewise-linear curve through the operating points at
   * every distinct score.
   */
  public double eer() {
    double[] t = thresholds();
    double prevFar = 1;
    double prevFrr = 0; // threshold -inf: accept everything
    for (double x : t) {
      double far = far(x);
      double frr = frr(x);
      if (far <= frr) {
        double d0 = prevFar - prevFrr; // >= 0
        double d1 = far - frr; // <= 0
        double a = d0 - d1 == 0 ? 0 : d0 / (d0 - d1);
        return prevFar + a * (far - prevFar);
      }
      prevFar = far;
      prevFrr = frr;
    }
    // every threshold still has FAR > FRR: only reachable at +inf (FAR 0, FRR 1)
    double d0 = prevFar - prevFrr;
    double a = d0 / (d0 + 1);
    return prevFar + a * (0 - prevFar);
  }

  /** Distinct scores ascending (genuine and impostor together). */
  public double[] thresholds() {
    double[] all = new double[genuine.length + impostor.length];
    System.arraycopy(genuine, 0, all, 0, genuine.length);
    System.arraycopy(impostor, 0, all, genuine.length, impostor.length);
    Arrays.sort(all);
    return Arrays.stream(all).distinct().toArray();
  }

  /** Best F1 with the genuine pairs as positives. */
  public record F1(double threshold, double precision, double recall, double f1) {}

  public F1 bestF1() {
    F1 best = null;
    for (double t : thresholds()) {
      int tp = countAtLeast(genuine, t);
      int fp = countAtLeast(impostor, t);
      int fn = genuine.length - tp;
      double f1 = 2.0 * tp / (2.0 * tp + fp + fn);
      if (best == null || f1 > best.f1()) {
        double precision = tp + fp == 0 ? 1 : tp / (double) (tp + fp);
        best = new F1(t, precision, tp / (double) genuine.length, f1);
      }
    }
    return best;
  }

  /** One operating point of the curve. */
  public record Point(double threshold, double far, double tar) {}

  /** The curve's operating points, thresholds descending (FAR ascending), at most ~maxPoints of them. */
  public List<Point> curve(int maxPoints) {
    double[] t = thresholds();
    List<Point> out = new ArrayList<>();
    int step = Math.max(1, t.length / Math.max(1, maxPoints));
    for (int i = t.length - 1; i >= 0; i--) {
      // keep every point at low FAR (where the curve is interesting on a log axis) and thin out the rest
      double far = far(t[i]);
      if (far * impostor.length <= 200 || i % step == 0 || i == 0) {
        out.add(new Point(t[i], far, tar(t[i])));
      }
    }
    return out;
  }
}
