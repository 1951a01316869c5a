package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.pipeline.FacePipeline;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Fusion turns two recognizers' vectors into one whose cosine is their (weighted) mean cosine")
class FusionTest {
  private static float[] random(Random r, int dim, boolean unit) {
    float[] v = new float[dim];
    double s = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
      s += v[i] * v[i];
    }
    if (unit) {
      for (int i = 0; i < dim; i++) {
        v[i] /= (float) Math.sqrt(s);
      }
    }
    return v;
  }

  @Test
  @DisplayName("the cosine of two fused vectors is the mean of the two profiles' cosines, and a fused vector has unit length")
  void fusedCosineIsTheMeanOfTheTwoCosines() {
    Random r = new Random(7);
    Fusion f = Fusion.mean(512, 128);
    for (int trial = 0; trial < 50; trial++) {
      float[] a1 = random(r, 512, true);
      float[] a2 = random(r, 512, true);
      float[] b1 = random(r, 128, true);
      float[] b2 = random(r, 128, true);
      float[] x = f.fuse(a1, b1);
      float[] y = f.fuse(a2, b2);
      assertEquals(640, x.length);
      double expected = (FacePipeline.cosine(a1, a2) + FacePipeline.cosine(b1, b2)) / 2;
      assertEquals(expected, FacePipeline.cosine(x, y), 1e-5);
      double dot = 0;
      for (float v : x) {
        dot += v * v;
      }
      assertEquals(1.0, dot, 1e-5);
    }
  }

  @Test
  @DisplayName("with weight w the fused cosine is w times the first cosine plus 1 - w times the second, on unnormalised inputs too")
  void weightedFusionWeighsTheFirstCosineByW() {
    Random r = new Random(11);
    for (double w : new double[] {0, 0.25, 0.6, 1}) {
      Fusion f = new Fusion(16, 8, w);
      float[] a1 = random(r, 16, false);
      float[] a2 = random(r, 16, false);
      float[] b1 = random(r, 8, false);
      float[] b2 = random(r, 8, false);
      double expected = w * FacePipeline.cosine(a1, a2) + (1 - w) * FacePipeline.cosine(b1, b2);
      float[] x = f.fuse(a1, b1);
      float[] y = f.fuse(a2, b2);
      double dot = 0;
      for (int i = 0; i < x.length; i++) {
        dot += x[i] * y[i];
      }
      assertEquals(expected, dot, 1e-5, "w = " + w);
    }
  }

  @Test
  @DisplayName("a vector of the wrong dimension, a zero vector and a weight outside [0, 1] are refused")
  void refusesMismatchedDimensions() {
    Fusion f = Fusion.mean(4, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.fuse(new float[] {1, 0, 0}, new float[] {1, 0}));
    assertTrue(e.getMessage().contains("4 and 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> f.fuse(new float[] {1, 0, 0, 0}, new float[] {1, 0, 0, 0}));
    assertThrows(IllegalArgumentException.class, () -> f.fuse(new float[] {0, 0, 0, 0}, new float[] {1, 0}));
    assertThrows(IllegalArgumentException.class, () -> new Fusion(4, 2, 1.5));
    assertThrows(IllegalArgumentException.class, () -> new Fusion(0, 2, 0.5));
  }

  @Test
  @DisplayName("fusing two runs keeps only images both embedded, fails an image either failed on, and sums the times")
  void anImageEitherProfileFailedOnFailsTheFusion() {
    Path ok = Path.of("ok.jpg");
    Path noFaceA = Path.of("a.jpg");
    Path noFaceB = Path.of("b.jpg");
    Embeddings.Result a = new Embeddings.Result(Map.of(ok, new float[] {1, 0}, noFaceB, new float[] {0, 1}),
        Map.of(noFaceA, "NO_FACE: a"), 2.0, Map.of("detect", 1.0, "embed", 0.5));
    Embeddings.Result b = new Embeddings.Result(Map.of(ok, new float[] {0, 0, 1}, noFaceA, new float[] {1, 0, 0}),
        Map.of(noFaceB, "NO_FACE: b"), 3.0, Map.of("detect", 0.25));
    Embeddings.Result f = Fusion.mean(2, 3).fuse(a, b);
    assertEquals(1, f.embeddings().size());
    assertEquals(5, f.get(ok).length);
    assertEquals(Map.of(noFaceA, "NO_FACE: a", noFaceB, "NO_FACE: b"), f.failures());
    assertEquals(5.0, f.seconds(), 1e-9);
    assertEquals(1.25, f.stageSeconds().get("detect"), 1e-9);
    assertEquals(0.5, f.stageSeconds().get("embed"), 1e-9);
  }
}
