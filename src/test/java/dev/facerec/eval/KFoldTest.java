package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("KFold measures accuracy with the threshold chosen on the other folds")
class KFoldTest {
  @Test
  @DisplayName("perfectly separable scores give accuracy 1 in every fold")
  void separableScoresGiveFullAccuracy() {
    int n = 200;
    double[] s = new double[n];
    boolean[] same = new boolean[n];
    int[] fold = new int[n];
    for (int i = 0; i < n; i++) {
      same[i] = i % 2 == 0;
      s[i] = same[i] ? 0.5 + (i % 17) / 100.0 : 0.3 - (i % 13) / 100.0;
      fold[i] = 1 + i % 10;
    }
    KFold.Result r = KFold.evaluate(s, same, fold);
    assertEquals(10, r.folds().size());
    assertEquals(1.0, r.mean(), 1e-12);
    assertEquals(0.0, r.std(), 1e-12);
    r.folds().forEach(f -> assertTrue(f.threshold() > 0.3 && f.threshold() <= 0.5, "threshold " + f.threshold()));
  }

  @Test
  @DisplayName("the best threshold lies between the classes and ties go to the middle")
  void bestThresholdSplitsTheClasses() {
    double t = KFold.bestThreshold(new double[] {0.1, 0.2, 0.8, 0.9}, new boolean[] {false, false, true, true});
    assertEquals(0.5, t, 1e-12);
    // one genuine pair below an impostor: 0.35 or 0.65 cost one error each; the middle of the ties is chosen
    t = KFold.bestThreshold(new double[] {0.1, 0.3, 0.4, 0.9}, new boolean[] {false, true, false, true});
    assertTrue(t > 0.1 && t < 0.9, "threshold " + t);
  }

  @Test
  @DisplayName("a fold is measured with the threshold learnt on the others, so an outlying fold shows its errors")
  void heldOutFoldUsesOtherFoldsThreshold() {
    // folds 1 and 2 separate at 0.5; fold 3 has its genuine pairs at 0.45 (below the learnt threshold)
    double[] s = {0.7, 0.3, 0.7, 0.3, 0.45, 0.1};
    boolean[] same = {true, false, true, false, true, false};
    int[] fold = {1, 1, 2, 2, 3, 3};
    KFold.Result r = KFold.evaluate(s, same, fold);
    List<KFold.Fold> folds = r.folds();
    assertEquals(1.0, folds.get(0).accuracy(), 1e-12);
    assertEquals(1.0, folds.get(1).accuracy(), 1e-12);
    assertEquals(0.5, folds.get(2).accuracy(), 1e-12);
    assertEquals(2.5 / 3, r.mean(), 1e-12);
  }
}
