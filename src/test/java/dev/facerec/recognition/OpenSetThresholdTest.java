package dev.facerec.recognition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.model.ImpostorTail;
import dev.facerec.model.ProfileSpec;
import dev.facerec.testing.TestData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OpenSetThresholdTest {
  private static final ImpostorTail TAIL = new ImpostorTail(0.34, 1e-3, 0.035, -0.06,
      List.of(new ProfileSpec.FmrPoint(1e-2, 0.25), new ProfileSpec.FmrPoint(1e-1, 0.13)), 1_000_000);

  @Test
  @DisplayName("the threshold rises with the gallery size and falls as the FPIR loosens, from 10 to 1,000,000 subjects")
  void monotoneInSizeAndRate() {
    OpenSetThreshold t = new OpenSetThreshold(TAIL);
    long[] sizes = {1, 10, 50, 200, 1_000, 10_000, 100_000, 1_000_000};
    for (double fpir : new double[] {1e-4, 1e-3, 1e-2, 1e-1}) {
      double previous = -1;
      for (long n : sizes) {
        double th = t.threshold(n, fpir);
        assertTrue(th > previous, "n=" + n + " fpir=" + fpir + ": " + th + " after " + previous);
        assertTrue(th <= 1.0);
        previous = th;
      }
    }
    for (long n : sizes) {
      assertTrue(t.threshold(n, 1e-3) > t.threshold(n, 1e-2), "n=" + n);
    }
  }

  @Test
  @DisplayName("at the threshold, the model's FPIR for that gallery is the target (the two formulas invert each other)")
  void thresholdKeepsTheTarget() {
    OpenSetThreshold t = new OpenSetThreshold(TAIL);
    for (long n : new long[] {10, 1_000, 1_000_000}) {
      for (double fpir : new double[] {1e-3, 1e-2}) {
        assertEquals(fpir, t.fpir(t.threshold(n, fpir), n), fpir * 1e-6, "n=" + n);
      }
    }
    assertEquals(1e-2 / 1e6, OpenSetThreshold.perComparisonFmr(1e-2, 1_000_000), 1e-10, "FPIR ~ N * FMR for small rates");
  }

  @Test
  @DisplayName("subjects scored by a centroid (a heavier tail) raise the threshold with their share, and the target still holds")
  void centroidSubjects() {
    // A centroid tail shifted up by 0.015, as measured on LFW for 3 to 5 faces, and a lighter one: the envelope counts.
    ImpostorTail heavier = new ImpostorTail(0.355, 1e-3, 0.035, -0.06,
        List.of(new ProfileSpec.FmrPoint(1e-2, 0.265), new ProfileSpec.FmrPoint(1e-1, 0.145)), 1_000_000);
    ImpostorTail lighter = new ImpostorTail(0.345, 1e-3, 0.035, -0.06,
        List.of(new ProfileSpec.FmrPoint(1e-2, 0.255), new ProfileSpec.FmrPoint(1e-1, 0.135)), 1_000_000);
    OpenSetThreshold single = new OpenSetThreshold(TAIL);
    OpenSetThreshold mixed = new OpenSetThreshold(TAIL, List.of(lighter, heavier));
    for (long n : new long[] {50, 1_000, 100_000}) {
      assertEquals(single.threshold(n, 1e-2), mixed.threshold(GallerySize.of(n), 1e-2), 1e-12, "no several-face subject: as before");
      double previous = single.threshold(n, 1e-2);
      for (long several : new long[] {n / 10, n / 2, n}) {
        GallerySize size = new GallerySize(n, several);
        double th = mixed.threshold(size, 1e-2);
        assertTrue(th > previous, "n=" + n + " several=" + several + ": " + th + " after " + previous);
        previous = th;
        assertEquals(1e-2, mixed.fpir(th, size), 1e-2 * 1e-4, "the target holds");
      }
      // All several-face: the heavier tail alone decides.
      assertEquals(new OpenSetThreshold(heavier).threshold(n, 1e-2), mixed.threshold(new GallerySize(n, n), 1e-2), 1e-6);
    }
    assertEquals(heavier.fmr(0.45), mixed.centroidFmr(0.45), 1e-15);
    // Without centroid tails (SUBJECT_SCORE=best, or a manifest without them) several-face subjects count as faces.
    assertEquals(single.threshold(1_000, 1e-2), single.threshold(new GallerySize(1_000, 600), 1e-2), 1e-12);
  }

  @Test
  @DisplayName("a gallery too small to need the tail gets the loosest modelled threshold, never a looser one")
  void smallGalleryIsClamped() {
    OpenSetThreshold t = new OpenSetThreshold(TAIL);
    assertEquals(TAIL.score(TAIL.maxFmr()), t.threshold(1, 0.1), 1e-12);
    assertEquals(0.13, t.threshold(1, 0.1), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> t.threshold(10, 0));
  }

  @Test
  @DisplayName("a tail fitted to generalized-Pareto scores recovers the rates it was drawn from")
  void fitMatchesItsScores() {
    // Scores: 99.9 % uniform below 0.3, exactly 0.1 % above: 0.3 + GPD(sigma 0.04, xi -0.1) by inverse transform.
    Random rnd = new Random(7);
    int n = 2_000_000;
    int tail = n / 1000;
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      scores[i] = i < tail
          ? (float) (0.3 + 0.04 / -0.1 * (Math.pow(rnd.nextDouble(), 0.1) - 1))
          : (float) (rnd.nextDouble() * 0.4 - 0.1);
    }
    ImpostorTail fit = ImpostorTail.fit(scores, 1e-3, 1e-2, 1e-1);
    assertEquals(-0.1, fit.xi(), 0.05);
    assertEquals(0.04, fit.sigma(), 0.004);
    for (double p : new double[] {1e-4, 1e-5}) {
      double exact = 0.3 + 0.04 / -0.1 * (Math.pow(p / 1e-3, 0.1) - 1);
      assertEquals(exact, fit.score(p), 0.01, "p=" + p);
      assertEquals(p, fit.fmr(fit.score(p)), p * 1e-6, "fmr inverts score");
    }
    java.util.Arrays.sort(scores);
    assertEquals(ImpostorTail.thresholdAt(scores, 1e-2), fit.score(1e-2), 1e-6, "body points are the counted thresholds");
  }

  @Test
  @DisplayName("the calibrated profiles carry a tail that reproduces the manifest's fixed 1:N threshold at its gallery size")
  void manifestTailsMatchTheirCalibration() {
    for (String id : List.of("faceplugin", "yunet-mobilefacenet")) {
      ProfileSpec p = TestData.manifest().profile(id);
      assertNotNull(p.impostorTail(), id);
      // identifyThreshold: FPIR 1e-2 measured on 1052 identities; the independence model is conservative, so at most a
      // little stricter.
      double sized = new OpenSetThreshold(p.impostorTail()).threshold(1052, 1e-2);
      assertTrue(sized >= p.identifyThreshold() - 0.01 && sized <= p.identifyThreshold() + 0.03,
          id + ": " + sized + " against " + p.identifyThreshold());
    }
  }
}
