package dev.facerec.bench.jmh;

import dev.facerec.index.InnerProduct;
import dev.facerec.testing.RandomVectors;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The index's distance on two random unit vectors: hnswlib's scalar loop against {@link InnerProduct#best()}, which is
 * the Vector API only when the JVM has {@code --add-modules jdk.incubator.vector} ({@link JmhMain} adds it to the fork).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DistanceJmh {
  @Param({"128", "512"})
  int dim;

  // Not final: JMH then reads them on every call instead of folding the distance into a constant.
  float[] a;
  float[] b;
  InnerProduct scalar;
  InnerProduct best;

  @Setup
  public void setup() {
    Random random = new Random(3);
    a = RandomVectors.unit(random, dim);
    b = RandomVectors.unit(random, dim);
    scalar = InnerProduct.scalar();
    best = InnerProduct.best();
    if (!InnerProduct.vectorized()) {
      System.err.println("DistanceJmh: the Vector API is not in use (no --add-modules jdk.incubator.vector): best is the scalar loop");
    }
  }

  @Benchmark
  public float scalar() {
    return scalar.distance(a, b);
  }

  @Benchmark
  public float best() {
    return best.distance(a, b);
  }
}
