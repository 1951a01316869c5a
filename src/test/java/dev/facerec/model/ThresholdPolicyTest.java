package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ThresholdPolicyTest {
  private static ProfileSpec profile(List<ProfileSpec.FmrPoint> points) {
    return new ProfileSpec("p", "", "d", null, "r", 0.3, "test", false, points, 0.4, "test", null, List.of());
  }

  @Test
  @DisplayName("a target FMR on a calibrated point gives that point's threshold; between points it interpolates in log FMR")
  void interpolatesInLogFmr() {
    ThresholdPolicy p = new ThresholdPolicy(profile(List.of(new ProfileSpec.FmrPoint(1e-3, 0.40), new ProfileSpec.FmrPoint(1e-2, 0.30))));
    assertEquals(0.40, p.thresholdFor(1e-3), 1e-9);
    assertEquals(0.30, p.thresholdFor(1e-2), 1e-9);
    assertEquals(0.35, p.thresholdFor(Math.sqrt(1e-3 * 1e-2)), 1e-9, "the geometric middle is the arithmetic middle of thresholds");
    assertTrue(p.thresholdFor(2e-3) < 0.40 && p.thresholdFor(2e-3) > 0.35, "a looser rate gives a lower threshold");
  }

  @Test
  @DisplayName("rates outside the calibrated range, or with no curve, are refused rather than extrapolated")
  void refusesOutsideRange() {
    ThresholdPolicy p = new ThresholdPolicy(profile(List.of(new ProfileSpec.FmrPoint(1e-3, 0.40), new ProfileSpec.FmrPoint(1e-2, 0.30))));
    FaceException e = assertThrows(FaceException.class, () -> p.thresholdFor(1e-4));
    assertEquals(Failure.INVALID_REQUEST, e.failure());
    assertThrows(FaceException.class, () -> p.thresholdFor(0.5));
    assertThrows(FaceException.class, () -> new ThresholdPolicy(profile(List.of())).thresholdFor(1e-3));
  }

  @Test
  @DisplayName("with an impostor tail, a target FMR is read on the tail, from 1e-5 to its loosest rate, not on the pairs' curve")
  void readsTheTailWhenThereIsOne() {
    ImpostorTail tail = new ImpostorTail(0.34, 1e-3, 0.035, -0.06,
        List.of(new ProfileSpec.FmrPoint(1e-2, 0.25), new ProfileSpec.FmrPoint(1e-1, 0.13)), 1_000_000);
    ThresholdPolicy p = new ThresholdPolicy(new ProfileSpec("p", "", "d", null, "r", 0.34, "test", false,
        List.of(new ProfileSpec.FmrPoint(1e-3, 0.40), new ProfileSpec.FmrPoint(1e-2, 0.30)), 0.4, "test", tail, List.of()));
    assertEquals(0.34, p.thresholdFor(1e-3), 1e-9, "the tail's u is its FMR 1e-3 score, not the curve's 0.40");
    assertEquals(0.25, p.thresholdFor(1e-2), 1e-9);
    assertEquals(tail.score(1e-5), p.thresholdFor(1e-5), 1e-12);
    assertTrue(p.thresholdFor(1e-4) > 0.34);
    assertThrows(FaceException.class, () -> p.thresholdFor(1e-6));
    assertThrows(FaceException.class, () -> p.thresholdFor(0.2));
  }

  @Test
  @DisplayName("the calibrated profiles of the manifest carry a curve that covers FMR 1e-3")
  void manifestProfilesAreCalibrated() {
    ModelManifest m = ModelManifest.load(null);
    for (String id : List.of("faceplugin", "yunet-mobilefacenet")) {
      ThresholdPolicy p = new ThresholdPolicy(m.profile(id));
      assertTrue(p.calibrated(), id);
      assertEquals(m.profile(id).threshold(), p.thresholdFor(1e-3), 1e-3, id + ": the default threshold is the FMR 1e-3 point");
    }
  }
}
