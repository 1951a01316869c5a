package dev.facerec.bench;

import dev.facerec.index.HnswShard;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexedFace;
import dev.facerec.index.InnerProduct;
import dev.facerec.index.SearchHit;
import dev.facerec.testing.RandomVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The index's distance, hnswlib's scalar loop against the Vector API, in one run: nanoseconds per distance at 128 and
 * 512 dimensions, then an HNSW graph of clustered vectors (identities of 5, like face embeddings) built and searched
 * with each: build time, queries/s on one thread and recall@10 at efSearch 400. The Vector API needs the JVM started
 * with {@code --add-modules jdk.incubator.vector} (bench/run.sh does); without it both rows are the scalar loop.
 *
 * <p>Args: {@code [items=20000] [dim=128] [queries=1000]}. Run with {@code bash bench/run.sh distance}.
 */
public final class DistanceBench {
  public static void main(String[] args) {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int dim = args.length > 1 ? Integer.parseInt(args[1]) : 128;
    int queries = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    System.out.printf("distance bench: Vector API %s%n", InnerProduct.vectorized() ? "in use" : "NOT available (add --add-modules jdk.incubator.vector)");
    Random random = new Random(3);
    for (int d : new int[] {128, 512}) {
      float[][] a = new float[1024][];
      for (int i = 0; i < a.length; i++) {
        a[i] = RandomVectors.unit(random, d);
      }
      double scalar = nanosPerDistance(InnerProduct.scalar(), a);
      double simd = nanosPerDistance(InnerProduct.best(), a);
      System.out.printf("%d-d: scalar %.1f ns, best %.1f ns per distance: %.2fx%n", d, scalar, simd, scalar / simd);
    }
    List<IndexedFace> faces = new ArrayList<>();
    float[] centre = null;
    for (int i = 0; i < items; i++) {
      if (i % 5 == 0) {
        centre = RandomVectors.unit(random, dim);
      }
      float[] v = RandomVectors.near(centre, 0.6f, random);
      faces.add(new IndexedFace(new UUID(random.nextLong(), random.nextLong()), new UUID(0, i / 5), v));
    }
    List<float[]> qs = new ArrayList<>();
    for (int i = 0; i < queries; i++) {
      qs.add(RandomVectors.near(faces.get(random.nextInt(items)).vector(), 0.5f, random));
    }
    System.out.println("| distance | build s | queries/s (1 thread, efSearch 400) | recall@10 |");
    System.out.println("|---|---:|---:|---:|");
    double[] scalar = graph("scalar", InnerProduct.scalar(), faces, qs, dim);
    double[] best = graph(InnerProduct.vectorized() ? "Vector API" : "scalar again", InnerProduct.best(), faces, qs, dim);
    System.out.printf("ratio: build %.2fx faster, search %.2fx the queries/s%n", scalar[0] / best[0], best[1] / scalar[1]);
  }

  private static double nanosPerDistance(InnerProduct f, float[][] a) {
    double sink = 0;
    for (int warm = 0; warm < 3; warm++) {
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < a.length; j++) {
          sink += f.distance(a[i], a[j]);
        }
      }
    }
    long t0 = System.nanoTime();
    int n = 0;
    for (int r = 0; r < 3; r++) {
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < a.length; j++) {
          sink += f.distance(a[i], a[j]);
          n++;
        }
      }
    }
    double ns = (System.nanoTime() - t0) / (double) n;
    if (sink == 42) {
      System.out.print("");
    }
    return ns;
  }

  private static double[] graph(String label, InnerProduct f, List<IndexedFace> faces, List<float[]> qs, int dim) {
    HnswShard shard = new HnswShard("bench", "bench-model", dim, new IndexParams(32, 400, 400), f);
    long t0 = System.nanoTime();
    shard.addAll(faces);
    double build = (System.nanoTime() - t0) / 1e9;
    for (int i = 0; i < Math.min(200, qs.size()); i++) {
      shard.search(qs.get(i), 10);
    }
    int found = 0;
    t0 = System.nanoTime();
    List<List<SearchHit>> results = new ArrayList<>();
    for (float[] q : qs) {
      results.add(shard.search(q, 10));
    }
    double qps = qs.size() / ((System.nanoTime() - t0) / 1e9);
    for (int i = 0; i < qs.size(); i++) {
      Set<UUID> truth = shard.exactSearch(qs.get(i), 10).stream().map(SearchHit::faceId).collect(Collectors.toSet());
      for (SearchHit h : results.get(i)) {
        found += truth.contains(h.faceId()) ? 1 : 0;
      }
    }
    System.out.printf("| %s | %.1f | %.0f | %.4f |%n", label, build, qps, found / (qs.size() * 10.0));
    return new double[] {build, qps};
  }
}
