package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Roc computes verification error rates of genuine and impostor scores")
class RocTest {
  @Test
  @DisplayName("perfectly separable scores have AUC 1, EER 0 and TAR 1 at any FAR")
  void separableScoresArePerfect() {
    Roc r = new Roc(new double[] {0.6, 0.7, 0.8, 0.9}, new double[] {0.1, 0.2, 0.3, 0.4});
    assertEquals(1.0, r.auc(), 1e-12);
    assertEquals(0.0, r.eer(), 1e-12);
    assertEquals(1.0, r.tarAtFar(0.01), 1e-12);
    Roc.F1 f1 = r.bestF1();
    assertEquals(1.0, f1.f1(), 1e-12);
    assertEquals(0.6, f1.threshold(), 1e-12);
  }

  @Test
  @DisplayName("one impostor above one genuine score gives EER 1/4 and AUC 15/16")
  void knownEqualErrorRate() {
    Roc r = new Roc(new double[] {0.6, 0.7, 0.8, 0.9}, new double[] {0.1, 0.2, 0.3, 0.65});
    assertEquals(0.25, r.eer(), 1e-12);
    assertEquals(15.0 / 16, r.auc(), 1e-12);
    // at threshold 0.65: FAR 1/4, TAR 3/4
    assertEquals(0.25, r.far(0.65), 1e-12);
    assertEquals(0.75, r.tar(0.65), 1e-12);
  }

  @Test
  @DisplayName("reversed scores have AUC 0 and EER 1; ties count one half")
  void reversedAndTiedScores() {
    Roc reversed = new Roc(new double[] {0.1, 0.2}, new double[] {0.8, 0.9});
    assertEquals(0.0, reversed.auc(), 1e-12);
    assertEquals(1.0, reversed.eer(), 1e-12);
    Roc tied = new Roc(new double[] {0.5, 0.5}, new double[] {0.5, 0.5, 0.5});
    assertEquals(0.5, tied.auc(), 1e-12);
  }

  @Test
  @DisplayName("the target-FMR threshold is the smallest one accepting at most floor(FMR * n) impostors")
  void thresholdForTargetFalseMatchRate() {
    double[] impostor = new double[1000];
    for (int i = 0; i < impostor.length; i++) {
      impostor[i] = i / 1000.0; // 0.000 .. 0.999
    }
    Roc r = new Roc(new double[] {0.5, 0.995, 1.0}, impostor);
    double t = r.thresholdAtFar(1e-2); // 10 impostors may pass: 0.990..0.999
    assertTrue(t > 0.989 && t <= 0.990 + 1e-12, "threshold " + t);
    assertEquals(0.01, r.far(t), 1e-12);
    assertTrue(r.far(Math.nextDown(t)) > 0.01, "a lower threshold must break the target");
    assertEquals(2.0 / 3, r.tar(t), 1e-12);
    double t3 = r.thresholdAtFar(1e-3); // one impostor (0.999) may pass
    assertEquals(0.001, r.far(t3), 1e-12);
    assertTrue(r.far(Math.nextDown(t3)) > 0.001);
    assertTrue(r.enoughImpostorsFor(1e-3));
    assertFalse(r.enoughImpostorsFor(1e-4));
  }

  @Test
  @DisplayName("on random overlapping scores FAR and FRR meet at the EER and AUC matches a pairwise count")
  void eerAndAucAgreeWithBruteForce() {
    Random rnd = new Random(7);
    double[] g = new double[300];
    double[] im = new double[500];
    for (int i = 0; i < g.length; i++) {
      g[i] = 0.5 + 0.15 * rnd.nextGaussian();
    }
    for (int i = 0; i < im.length; i++) {
      im[i] = 0.2 + 0.15 * rnd.nextGaussian();
    }
    Roc r = new Roc(g, im);
    double wins = 0;
    for (double a : g) {
      for (double b : im) {
        wins += a > b ? 1 : a == b ? 0.5 : 0;
      }
    }
    assertEquals(wins / (g.length * im.length), r.auc(), 1e-12);
    double eer = r.eer();
    double bestGap = Double.MAX_VALUE;
    double atBest = 0;
    for (double t : r.thresholds()) {
      double gap = Math.abs(r.far(t) - r.frr(t));
      if (gap < bestGap) {
        bestGap = gap;
        atBest = (r.far(t) + r.frr(t)) / 2;
      }
    }
    assertEquals(atBest, eer, 0.005);
  }

  @Test
  @DisplayName("the curve runs from low to high FAR and ends accepting everything")
  void curveIsOrdered() {
    Roc r = new Roc(new double[] {0.6, 0.7, 0.8, 0.9}, new double[] {0.1, 0.2, 0.3, 0.65});
    var c = r.curve(100);
    for (int i = 1; i < c.size(); i++) {
      assertTrue(c.get(i).far() >= c.get(i - 1).far());
      assertTrue(c.get(i).tar() >= c.get(i - 1).tar());
    }
    assertEquals(1.0, c.get(c.size() - 1).far(), 1e-12);
    assertEquals(1.0, c.get(c.size() - 1).tar(), 1e-12);
  }
}
