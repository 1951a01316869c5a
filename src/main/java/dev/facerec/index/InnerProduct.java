package dev.facerec.index;

import com.github.jelmerk.hnswlib.core.DistanceFunction;
import com.github.jelmerk.hnswlib.core.DistanceFunctions;

/**
 * The graph's distance, {@code 1 - a.b} on unit vectors: with the Vector API (SIMD lanes of the CPU) when the JVM was
 * started with {@code --add-modules jdk.incubator.vector}, else hnswlib's scalar loop. A snapshot stores this class,
 * not the implementation, so a graph saved by a JVM with the module loads in one without it, and the other way round.
 */
public final class InnerProduct implements DistanceFunction<float[], Float> {
  private static final long serialVersionUID = 1L;
  private static final DistanceFunction<float[], Float> BEST = pick();

  private final transient DistanceFunction<float[], Float> impl;

  private InnerProduct(DistanceFunction<float[], Float> impl) {
    this.impl = impl;
  }

  /** The fastest distance this JVM can run. */
  public static InnerProduct best() {
    return new InnerProduct(BEST);
  }

  /** hnswlib's scalar loop (the benchmarks' baseline). */
  public static InnerProduct scalar() {
    return new InnerProduct(DistanceFunctions.FLOAT_INNER_PRODUCT);
  }

  /** Whether the Vector API is in use: the module was added at launch. */
  public static boolean vectorized() {
    return BEST != DistanceFunctions.FLOAT_INNER_PRODUCT;
  }

  private static DistanceFunction<float[], Float> pick() {
    // Only touch the Vector API classes when the module is there: loading them without it fails.
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? new SimdInnerProduct() : DistanceFunctions.FLOAT_INNER_PRODUCT;
  }

  @Override
  public Float distance(float[] u, float[] v) {
    return impl.distance(u, v);
  }

  private Object readResolve() {
    return best();
  }
}
