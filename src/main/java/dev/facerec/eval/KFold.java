package dev.facerec.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The LFW protocol: for each fold, the threshold that maximises accuracy on the other folds is applied
 * to the held-out fold; the result is the mean and (population) standard deviation of the fold
 * accuracies.
 */
public final class KFold {
  private KFold() {}

  /** One held-out fold: its number, the threshold chosen on the others, its size and accuracy. */
  public record Fold(int fold, double threshold, int pairs, double accuracy) {}

  public record Result(List<Fold> folds, double mean, double std) {}

  /**
   * @param scores similarity per pair
   * @param same whether each pair is the same identity
   * @param fold fold number per pair (any ints; each distinct value is one fold)
   */
  public static Result evaluate(double[] scores, boolean[] same, int[] fold) {
    TreeSet<Integer> present = new TreeSet<>();
    for (int f : fold) {
      present.add(f);
    }
    if (present.size() < 2) {
      throw new IllegalArgumentException("k-fold needs at least 2 folds, got " + present);
    }
    List<Fold> out = new ArrayList<>();
    for (int k : present) {
      List<Integer> train = new ArrayList<>();
      List<Integer> test = new ArrayList<>();
      for (int i = 0; i < scores.length; i++) {
        (fold[i] == k ? test : train).add(i);
      }
      double t = bestThreshold(pick(scores, train), pick(same, train));
      int correct = 0;
      for (int i : test) {
        correct += (scores[i] >= t) == same[i] ? 1 : 0;
      }
      out.add(new Fold(k, t, test.size(), correct / (double) test.size()));
    }
    double mean = out.stream().mapToDouble(Fold::accuracy).average().orElseThrow();
    double var = out.stream().mapToDouble(f -> (f.accuracy() - mean) * (f.accuracy() - mean)).average().orElseThrow();
    return new Result(out, mean, Math.sqrt(var));
  }

  /**
   * The threshold with the highest accuracy on these pairs: candidates are the midpoints between
   * consecutive distinct scores (and one below / above all); ties go to the middle of the best run.
   */
  public static double bestThreshold(double[] scores, boolean[] same) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    int genuine = 0;
    for (boolean s : same) {
      genuine += s ? 1 : 0;
    }
    // threshold below everything: all accepted -> correct = genuine
    int correct = genuine;
    int best = correct;
    List<Double> bestT = new ArrayList<>();
    double lowest = n == 0 ? 0 : scores[order[0]];
    bestT.add(lowest - 1e-6);
    int i = 0;
    while (i < n) {
      double s = scores[order[i]];
      int j = i;
      while (j < n && scores[order[j]] == s) { // moving the threshold above s rejects all pairs scoring s
        correct += same[order[j]] ? -1 : 1;
        j++;
      }
      double t = j < n ? (s + scores[order[j]]) / 2 : s + 1e-6;
      if (correct > best) {
        best = correct;
        bestT.clear();
        bestT.add(t);
      } else if (correct == best) {
        bestT.add(t);
      }
      i = j;
    }
    // several equally good thresholds: take the middle one (usually a single run of neighbours)
    return bestT.get(bestT.size() / 2);
  }

  private static double[] pick(double[] a, List<Integer> idx) {
    double[] out = new double[idx.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a[idx.get(i)];
    }
    return out;
  }

  private static boolean[] pick(boolean[] a, List<Integer> idx) {
    boolean[] out = new boolean[idx.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a[idx.get(i)];
    }
    return out;
  }
}
