package dev.facerec.testing;

import java.util.Random;

/** Random unit vectors (Gaussian components, normalised) for index tests and benchmarks. */
public final class RandomVectors {
  private RandomVectors() {}

  public static float[] unit(Random random, int dim) {
    float[] v = new float[dim];
    double sq = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
      sq += v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(sq));
    for (int i = 0; i < dim; i++) {
      v[i] *= inv;
    }
    return v;
  }

  /** {@code centre} plus {@code spread} times a random unit vector: one face of an identity (not normalised). */
  public static float[] near(float[] centre, float spread, Random random) {
    float[] noise = unit(random, centre.length);
    float[] v = new float[centre.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = centre[i] + spread * noise[i];
    }
    return v;
  }
}
