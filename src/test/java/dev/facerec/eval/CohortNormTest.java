package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.facerec.eval.CohortNorm.Kind;
import dev.facerec.eval.CohortNorm.Stats;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CohortNorm turns a raw score into a z-score or a top-k-corrected score against an impostor cohort")
class CohortNormTest {
  @Test
  @DisplayName("cohort statistics are the mean, the population standard deviation and the mean of the top k")
  void statsOfKnownNumbers() {
    Stats s = Stats.of(new double[] {0.1, 0.4, 0.2, 0.3}, 2);
    assertEquals(0.25, s.mean(), 1e-12);
    assertEquals(Math.sqrt(0.0125), s.std(), 1e-12);
    assertEquals(0.35, s.topMean(), 1e-12);
    assertEquals((0.6 - 0.25) / Math.sqrt(0.0125), s.z(0.6), 1e-12);
    assertEquals(0.25, Stats.of(new double[] {0.1, 0.4}, 10).topMean(), 1e-12); // k larger than the cohort
    assertEquals(11.0 / 3, CohortNorm.topMean(new double[] {1, 5, -3, 4, 2}, 3), 1e-12);
  }

  @Test
  @DisplayName("each kind uses the probe's, the subject's or both cohorts' statistics")
  void appliesEachKind() {
    Stats probe = new Stats(0.2, 0.1, 0.45);
    Stats subject = new Stats(0.3, 0.05, 0.5);
    assertEquals(0.7, CohortNorm.apply(Kind.NONE, 0.7, probe, subject), 1e-12);
    assertEquals(5.0, CohortNorm.apply(Kind.PROBE, 0.7, probe, subject), 1e-12);
    assertEquals(8.0, CohortNorm.apply(Kind.SUBJECT, 0.7, probe, subject), 1e-12);
    assertEquals(6.5, CohortNorm.apply(Kind.SYMMETRIC, 0.7, probe, subject), 1e-12);
    assertEquals(0.25, CohortNorm.apply(Kind.PROBE_TOP, 0.7, probe, subject), 1e-12);
  }

  @Test
  @DisplayName("identical cohort scores do not divide by zero; an empty cohort or k < 1 is refused")
  void guardsDegenerateCohorts() {
    Stats flat = Stats.of(new double[] {0.3, 0.3, 0.3}, 1);
    assertEquals(0, flat.std(), 0);
    assertEquals((0.5 - 0.3) / Stats.MIN_STD, flat.z(0.5), 1e-3);
    assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0], 1));
    assertThrows(IllegalArgumentException.class, () -> CohortNorm.topMean(new double[] {1}, 0));
    assertEquals(Kind.SYMMETRIC, Kind.parse("cohort-sym"));
    assertThrows(IllegalArgumentException.class, () -> Kind.parse("znorm"));
  }
}
