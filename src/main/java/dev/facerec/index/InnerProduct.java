package dev.facerec.index;

import com.github.jelmerk.hnswlib.core.DistanceFunction;

/**
 * The graph's distance, {@code 1 - a.b} on unit vectors: with the Vector API (SIMD lanes of the CPU) when the JVM was
 * started with {@code --add-modules jdk.incubator.vector}, else a scalar loop. A snapshot stores this class, not the
 * implementation, so a graph saved by a JVM with the module loads in one without it, and the other way round.
 *
 * <p>Two entry points: whole arrays (hnswlib-core's {@link DistanceFunction}, boxed) and slices of one packed array
 * ({@link PackedGraph}, unboxed).
 */
public final class InnerProduct implements DistanceFunction<float[], Float> {
  private static final long serialVersionUID = 1L;

  /** {@code a.b} over {@code len} floats of two arrays from two offsets. */
  interface Kernel {
    float dot(float[] a, int aOff, float[] b, int bOff, int len);
  }

  private static final Kernel SCALAR = InnerProduct::scalarDot;
  private static final Kernel BEST = pick();

  private final transient Kernel kernel;

  private InnerProduct(Kernel kernel) {
    this.kernel = kernel;
  }

  /** The fastest distance this JVM can run. */
  public static InnerProduct best() {
    return new InnerProduct(BEST);
  }

  /** The scalar loop (the benchmarks' baseline). */
  public static InnerProduct scalar() {
    return new InnerProduct(SCALAR);
  }

  /** Whether the Vector API is in use: the module was added at launch. */
  public static boolean vectorized() {
    return BEST != SCALAR;
  }

  private static Kernel pick() {
    // Only touch the Vector API classes when the module is there: loading them without it fails.
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? new SimdInnerProduct() : SCALAR;
  }

  @Override
  public Float distance(float[] u, float[] v) {
    return 1 - kernel.dot(u, 0, v, 0, u.length);
  }

  /** {@code 1 - a.b} over {@code len} floats from two offsets, without boxing. */
  float distance(float[] a, int aOff, float[] b, int bOff, int len) {
    return 1 - kernel.dot(a, aOff, b, bOff, len);
  }

  private static float scalarDot(float[] a, int aOff, float[] b, int bOff, int len) {
    float s = 0;
    for (int i = 0; i < len; i++) {
      s += a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  private Object readResolve() {
    return best();
  }
}
