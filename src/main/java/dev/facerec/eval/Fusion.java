package dev.facerec.eval;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Score-level fusion of two recognizers, done as one embedding: each profile's (L2-normalised) vector scaled by
 * the square root of its weight, concatenated. The cosine of two fused vectors is then exactly
 * {@code w·cos(a, a') + (1 − w)·cos(b, b')}; with {@code w = ½} the mean of the two cosines. The fused vector has
 * unit length, so an index that searches by cosine or inner product works on it unchanged.
 *
 * @param dimA length of the first profile's vectors
 * @param dimB length of the second profile's vectors
 * @param weight weight w of the first profile's cosine, in [0, 1]
 */
public record Fusion(int dimA, int dimB, double weight) {
  public Fusion {
    if (dimA < 1 || dimB < 1) {
      throw new IllegalArgumentException("dimensions must be at least 1, got " + dimA + " and " + dimB);
    }
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("weight must be in [0, 1], got " + weight);
    }
  }

  /** The mean of the two cosines. */
  public static Fusion mean(int dimA, int dimB) {
    return new Fusion(dimA, dimB, 0.5);
  }

  /** The fused vector of one face; both inputs are normalised first, so any non-zero vectors are accepted. */
  public float[] fuse(float[] a, float[] b) {
    if (a.length != dimA || b.length != dimB) {
      throw new IllegalArgumentException("expected vectors of " + dimA + " and " + dimB + " dimensions, got "
          + a.length + " and " + b.length);
    }
    double sa = Math.sqrt(weight) / norm(a);
    double sb = Math.sqrt(1 - weight) / norm(b);
    float[] out = new float[dimA + dimB];
    for (int i = 0; i < dimA; i++) {
      out[i] = (float) (a[i] * sa);
    }
    for (int i = 0; i < dimB; i++) {
      out[dimA + i] = (float) (b[i] * sb);
    }
    return out;
  }

  /**
   * Fuses two embedding runs over the same files. A file fails when either run failed on it (its reason says
   * which); times are the sums of both runs' (each detected on its own).
   */
  public Embeddings.Result fuse(Embeddings.Result a, Embeddings.Result b) {
    Map<Path, float[]> fused = new LinkedHashMap<>();
    Map<Path, String> failures = new LinkedHashMap<>(a.failures());
    b.failures().forEach((p, r) -> failures.merge(p, r, (x, y) -> x + "; " + y));
    for (Map.Entry<Path, float[]> e : a.embeddings().entrySet()) {
      float[] vb = b.get(e.getKey());
      if (vb != null) {
        fused.put(e.getKey(), fuse(e.getValue(), vb));
      }
    }
    Map<String, Double> stages = new LinkedHashMap<>(a.stageSeconds());
    b.stageSeconds().forEach((k, v) -> stages.merge(k, v, Double::sum));
    return new Embeddings.Result(fused, failures, a.seconds() + b.seconds(), stages);
  }

  /** Label of the fused variant, e.g. {@code fusion(faceplugin+yunet-mobilefacenet)} or {@code fusion(..., w=0.60)}. */
  public String label(String labelA, String labelB) {
    return "fusion(" + labelA + "+" + labelB + (weight == 0.5 ? "" : String.format(java.util.Locale.ROOT, ", w=%.2f", weight))
        + ")";
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    if (s == 0) {
      throw new IllegalArgumentException("cannot fuse a zero vector");
    }
    return Math.sqrt(s);
  }
}
