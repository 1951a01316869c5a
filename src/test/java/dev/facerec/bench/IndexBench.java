package dev.facerec.bench;

import dev.facerec.index.HnswShard;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexedFace;
import dev.facerec.index.SearchHit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import dev.facerec.testing.RandomVectors;

/**
 * Build time, query throughput, recall@10 and memory of {@link HnswShard} on random unit vectors.
 * Not a unit test (surefire skips the bench package). Run:
 *
 * <pre>
 * mvn -B -o -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.facerec.bench.IndexBench
 * </pre>
 *
 * Optional {@code -Dexec.args="items dim queries M efConstruction"}, default {@code 100000 128 1000 32 400}.
 *
 * <p>Uniform random vectors are the hard case for HNSW (no cluster structure); real face embeddings
 * sit on a lower-dimensional manifold and usually give higher recall at the same efSearch.
 */
public final class IndexBench {
  private static final int K = 10;
  private static final int[] EF_SEARCH = {50, 100, 400};

  public static void main(String[] args) throws Exception {
    int items = arg(args, 0, 100_000);
    int dim = arg(args, 1, 128);
    int queries = arg(args, 2, 1_000);
    int m = arg(args, 3, 32);
    int efConstruction = arg(args, 4, 400);
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf("IndexBench: %d items, %d-d, %d queries, M=%d, efConstruction=%d, %d cores, max heap %d MiB%n",
        items, dim, queries, m, efConstruction, cores, Runtime.getRuntime().maxMemory() >> 20);

    Random random = new Random(7);
    List<IndexedFace> faces = new ArrayList<>(items);
    for (int i = 0; i < items; i++) {
      faces.add(new IndexedFace(new UUID(random.nextLong(), random.nextLong()), new UUID(0, i % 10_000), unit(random, dim)));
    }
    List<float[]> qs = new ArrayList<>(queries);
    for (int i = 0; i < queries; i++) {
      qs.add(unit(random, dim));
    }

    HnswShard shard = new HnswShard("bench", "bench-model", dim, new IndexParams(m, efConstruction, EF_SEARCH[0]));
    long t0 = System.nanoTime();
    shard.addAll(faces);
    double buildS = (System.nanoTime() - t0) / 1e9;
    System.out.printf("build: %.1f s (%.0f items/s, %d threads)%n", buildS, items / buildS, cores);

    // A heap delta here is unreliable (the bench holds inputs and garbage); report the estimate.
    System.out.printf("memory: estimated %.1f MiB (HnswShard.estimatedMemoryBytes)%n",
        shard.estimatedMemoryBytes() / 1048576.0);

    t0 = System.nanoTime();
    List<Set<UUID>> truth = parallelMap(qs, cores, q -> ids(shard.exactSearch(q, K)));
    System.out.printf("exact search (ground truth): %.1f s for %d queries on %d threads%n",
        (System.nanoTime() - t0) / 1e9, queries, cores);

    System.out.println("efSearch  recall@10  qps(1 thread)  qps(" + cores + " threads)  p50 ms(1 thread)");
    for (int ef : EF_SEARCH) {
      shard.setEfSearch(ef);
      for (int i = 0; i < Math.min(200, queries); i++) {
        shard.search(qs.get(i), K); // warm-up
      }
      long[] latencies = new long[queries];
      int found = 0;
      long start = System.nanoTime();
      for (int i = 0; i < queries; i++) {
        long q0 = System.nanoTime();
        List<SearchHit> hits = shard.search(qs.get(i), K);
        latencies[i] = System.nanoTime() - q0;
        for (SearchHit h : hits) {
          if (truth.get(i).contains(h.faceId())) {
            found++;
          }
        }
      }
      double single = queries / ((System.nanoTime() - start) / 1e9);
      start = System.nanoTime();
      parallelMap(qs, cores, q -> shard.search(q, K));
      double multi = queries / ((System.nanoTime() - start) / 1e9);
      java.util.Arrays.sort(latencies);
      System.out.printf("%8d  %9.4f  %13.0f  %14.0f  %16.3f%n",
          ef, found / (double) (queries * K), single, multi, latencies[queries / 2] / 1e6);
    }

    Path file = Files.createTempFile("index-bench", ".hnsw");
    try {
      t0 = System.nanoTime();
      shard.save(file);
      double saveS = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      HnswShard loaded = HnswShard.load(file, "bench-model", dim, shard.params()).orElseThrow();
      double loadS = (System.nanoTime() - t0) / 1e9;
      System.out.printf("snapshot: %.1f MiB, save %.1f s, load %.1f s (%d items)%n",
          Files.size(file) / 1048576.0, saveS, loadS, loaded.size());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  interface Fn<T, R> {
    R apply(T t) throws Exception;
  }

  static <T, R> List<R> parallelMap(List<T> in, int threads, Fn<T, R> fn) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<R> out = new ArrayList<>(java.util.Collections.nCopies(in.size(), null));
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < in.size(); i = next.getAndIncrement()) {
            out.set(i, fn.apply(in.get(i)));
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get();
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  private static Set<UUID> ids(List<SearchHit> hits) {
    Set<UUID> ids = new HashSet<>();
    hits.forEach(h -> ids.add(h.faceId()));
    return ids;
  }

  private static float[] unit(Random random, int dim) {
    return RandomVectors.unit(random, dim);
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i]) : dflt;
  }
}
