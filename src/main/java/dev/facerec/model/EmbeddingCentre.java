package dev.facerec.model;

import dev.facerec.bus.Vectors;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;

/**
 * The mean of a recognizer's unit embeddings over many faces, subtracted from every embedding before it is
 * normalised again. Embeddings of one recognizer share a common component; two strangers' faces then score higher
 * than their faces alone warrant, and the false-match tail is where a 1e-3 threshold sits. Removing the component
 * lowers that tail and so lets more genuine pairs pass at the same false-match rate (docs/accuracy.md, "Embedding
 * centre"). Fitted once per profile on labelled data the thresholds are not calibrated on; it needs no labels.
 *
 * @param vector the mean of unit embeddings (its length is below 1)
 * @param source in words: the images it was fitted on, when, by which command
 */
public record EmbeddingCentre(float[] vector, String source) {

  public EmbeddingCentre {
    if (vector == null || vector.length == 0) {
      throw new IllegalArgumentException("an embedding centre needs a vector");
    }
    double n = 0;
    for (float x : vector) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("an embedding centre holds a value that is not a finite number");
      }
      n += (double) x * x;
    }
    // The mean of unit vectors is shorter than 1; at length 1 every embedding would collapse onto it.
    if (Math.sqrt(n) >= 0.9) {
      throw new IllegalArgumentException("an embedding centre must be the mean of unit embeddings (length "
          + String.format(java.util.Locale.ROOT, "%.3f", Math.sqrt(n)) + ", expected well below 1)");
    }
  }

  /** The embedding space of a recognizer with this centre, or without one when {@code centre} is null. */
  public static String modelId(String recognizer, EmbeddingCentre centre) {
    return recognizer + (centre == null ? "" : "+centre-" + centre.tag());
  }

  /** {@code normalize(unit - vector)}, in place; {@code unit} must be L2-normalised and as long as the vector. */
  public float[] apply(float[] unit) {
    if (unit.length != vector.length) {
      throw new IllegalArgumentException("embedding of " + unit.length + " values, centre of " + vector.length);
    }
    for (int i = 0; i < unit.length; i++) {
      unit[i] -= vector[i];
    }
    return Vectors.normalize(unit);
  }

  /** A copy of {@code unit} with the centre applied. */
  public float[] applied(float[] unit) {
    return apply(unit.clone());
  }

  /** The mean of unit embeddings (each normalised first, so a raw output counts like any other). */
  public static float[] mean(Collection<float[]> embeddings) {
    if (embeddings.isEmpty()) {
      throw new IllegalArgumentException("an embedding centre needs at least one embedding");
    }
    double[] sum = null;
    for (float[] e : embeddings) {
      float[] u = Vectors.normalize(e.clone());
      if (sum == null) {
        sum = new double[u.length];
      } else if (sum.length != u.length) {
        throw new IllegalArgumentException("embeddings of different lengths: " + sum.length + " and " + u.length);
      }
      for (int i = 0; i < u.length; i++) {
        sum[i] += u[i];
      }
    }
    float[] m = new float[sum.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) (sum[i] / embeddings.size());
    }
    return m;
  }

  /**
   * The first 8 hex digits of SHA-256 over the vector's float bits: names the embedding space, so that a gallery
   * enrolled with one centre (or none) is never searched with another.
   */
  public String tag() {
    ByteBuffer b = ByteBuffer.allocate(4 * vector.length);
    for (float x : vector) {
      b.putFloat(x);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array())).substring(0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
