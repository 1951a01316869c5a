package dev.facerec.bench;

import dev.facerec.bus.Vectors;
import dev.facerec.index.HnswShard;
import dev.facerec.index.IndexEngine;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexedFace;
import dev.facerec.index.InnerProduct;
import dev.facerec.index.SearchHit;
import dev.facerec.index.Shards;
import java.lang.management.ManagementFactory;
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

/**
 * A million faces on one index node (issue 11, target 3): face-like 128-d vectors (identities of five) spread over the
 * collection's shards by subject as the service spreads them, each shard built on every core; then the heap the
 * shards hold (after a full GC, inputs dropped), snapshot size, save and load time, recall@10 of a subject search
 * against brute force, and identify's index work under load: {@code clients} threads, each query the six shard
 * searches of one identify run at once on a pool of one thread per core (as {@code INDEX_SEARCH_THREADS}).
 *
 * <p>Args: {@code [faces=1000000] [efConstruction=100] [shards=6] [clients=8] [seconds=20] [M=32] [efSearch=400]
 * [engine=packed]}. Needs a
 * heap of about 3 GB: {@code MAVEN_OPTS="-Xmx4g --add-modules jdk.incubator.vector"} ({@code bash bench/run.sh million}).
 */
public final class MillionBench {
  public static void main(String[] args) throws Exception {
    int faces = arg(args, 0, 1_000_000);
    int efConstruction = arg(args, 1, 100);
    int shardCount = arg(args, 2, 6);
    int clients = arg(args, 3, 8);
    int seconds = arg(args, 4, 20);
    int m = arg(args, 5, 32);
    // efSearch: one value, or several (400,200,100) measured in turn on the same graphs.
    int[] efSearches = java.util.Arrays.stream((args.length > 6 ? args[6] : "400").split(",")).mapToInt(Integer::parseInt).toArray();
    int efSearch = efSearches[0];
    IndexEngine engine = IndexEngine.of(args.length > 7 ? args[7] : "packed");
    int dim = 128;
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf("MillionBench: %,d faces (identities of 5), %d-d, %d shards, engine %s, M=%d, efConstruction=%d, efSearch=%d,"
        + " %d cores, distance %s, max heap %d MiB%n", faces, dim, shardCount, engine.configName(), m, efConstruction, efSearch, cores,
        InnerProduct.vectorized() ? "Vector API" : "scalar", Runtime.getRuntime().maxMemory() >> 20);
    long heap0 = heapAfterGc();

    Random random = new Random(11);
    List<List<float[]>> set = NativeIndexBench.faceLike(random, faces / 5, 5, dim, 1000);
    List<List<IndexedFace>> byShard = new ArrayList<>();
    for (int s = 0; s < shardCount; s++) {
      byShard.add(new ArrayList<>());
    }
    List<float[]> items = set.get(0);
    for (int i = 0; i < items.size(); i++) {
      UUID subject = new UUID(1, i / 5);
      byShard.get(Shards.of(subject, shardCount)).add(new IndexedFace(new UUID(0, i), subject, Vectors.normalize(items.get(i))));
    }
    items = null;
    set = List.of(List.of(), set.get(1));
    List<float[]> queries = set.get(1).stream().map(Vectors::normalize).toList();

    IndexParams params = new IndexParams(m, efConstruction, efSearch, engine);
    List<HnswShard> shards = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int s = 0; s < shardCount; s++) {
      HnswShard shard = new HnswShard("million", "bench-model", dim, params);
      long s0 = System.nanoTime();
      shard.addAll(byShard.get(s));
      System.out.printf("  shard %d: %,d faces in %.1f s%n", s, shard.size(), (System.nanoTime() - s0) / 1e9);
      shards.add(shard);
    }
    double buildS = (System.nanoTime() - t0) / 1e9;
    byShard = null;
    long heap = heapAfterGc() - heap0;
    long estimate = shards.stream().mapToLong(HnswShard::estimatedMemoryBytes).sum();
    System.out.printf("build: %.0f s (%.0f faces/s on %d threads); heap held by the shards after GC %.0f MiB (%.0f bytes a face;"
        + " HnswShard's estimate %.0f MiB)%n", buildS, faces / buildS, cores, heap / 1048576.0, (double) heap / faces, estimate / 1048576.0);

    Path dir = Files.createTempDirectory("million");
    try {
      long w0 = System.nanoTime();
      long bytes = 0;
      for (int s = 0; s < shardCount; s++) {
        Path f = dir.resolve("shard-" + s + ".hnsw");
        shards.get(s).save(f);
        bytes += Files.size(f);
      }
      double saveS = (System.nanoTime() - w0) / 1e9;
      shards = null;
      heapAfterGc();
      long l0 = System.nanoTime();
      List<HnswShard> loaded = IndexBench.parallelMap(java.util.stream.IntStream.range(0, shardCount).boxed().toList(), cores, s -> HnswShard.load(dir.resolve("shard-" + s + ".hnsw"), "bench-model", dim,
          params).orElseThrow());
      double loadS = (System.nanoTime() - l0) / 1e9;
      shards = loaded;
      System.out.printf("snapshot: %.0f MiB, saved in %.1f s, loaded in %.1f s (%d shards on %d threads)%n", bytes / 1048576.0, saveS,
          loadS, shardCount, cores);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }

    List<HnswShard> all = shards;
    for (int ef : efSearches) {
      all.forEach(s -> s.setEfSearch(ef));
      measureAt(ef, all, queries, shardCount, clients, seconds, cores);
    }
  }

  /**
   * At one efSearch: subject recall@10 and rank-1 agreement against brute force (identify decides on the top subject),
   * then identify's index work under {@code clients} threads.
   */
  private static void measureAt(int ef, List<HnswShard> all, List<float[]> queries, int shardCount, int clients, int seconds,
      int cores) throws Exception {
    int recallQueries = 200;
    int found = 0;
    int sameTop = 0;
    for (int q = 0; q < recallQueries; q++) {
      List<UUID> truth = top(all, queries.get(q), 10, true);
      List<UUID> got = top(all, queries.get(q), 10, false);
      sameTop += !got.isEmpty() && got.get(0).equals(truth.get(0)) ? 1 : 0;
      Set<UUID> hit = new HashSet<>(got);
      hit.retainAll(truth);
      found += hit.size();
    }
    System.out.printf("efSearch %d: recall@10 of subjects (best face), %d queries: %.4f; top subject as brute force's: %.4f%n", ef,
        recallQueries, found / (recallQueries * 10.0), sameTop / (double) recallQueries);

    ExecutorService searchPool = Executors.newFixedThreadPool(cores);
    ExecutorService clientPool = Executors.newFixedThreadPool(clients);
    try {
      for (String phase : List.of("warm-up", "measured")) {
        long end = System.nanoTime() + (phase.equals("warm-up") ? Math.max(5, seconds / 2) : seconds) * 1_000_000_000L;
        AtomicInteger next = new AtomicInteger();
        List<Future<List<Long>>> fs = new ArrayList<>();
        long p0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
          fs.add(clientPool.submit(() -> {
            List<Long> lat = new ArrayList<>();
            while (System.nanoTime() < end) {
              float[] q = queries.get(next.getAndIncrement() % queries.size());
              long s0 = System.nanoTime();
              List<Future<List<SearchHit>>> parts = new ArrayList<>();
              for (HnswShard s : all) {
                parts.add(searchPool.submit(() -> s.searchSubjects(q, 20, true)));
              }
              for (Future<List<SearchHit>> p : parts) {
                p.get();
              }
              lat.add(System.nanoTime() - s0);
            }
            return lat;
          }));
        }
        List<Long> lat = new ArrayList<>();
        for (Future<List<Long>> f : fs) {
          lat.addAll(f.get());
        }
        double secs = (System.nanoTime() - p0) / 1e9;
        long[] sorted = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        if (phase.equals("measured")) {
          System.out.printf("efSearch %d: identify's index work, %d clients, %d shard searches each on %d threads: %.0f queries/s,"
              + " p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 <= 50 ms)%n", ef, clients, shardCount, cores, sorted.length / secs,
              pct(sorted, 50),
              pct(sorted, 99), sorted[sorted.length - 1] / 1e6);
        }
      }
    } finally {
      searchPool.shutdown();
      clientPool.shutdown();
    }
  }

  /** The 10 best subjects by their best face, best first, from the graphs or ({@code exact}) by brute force. */
  private static List<UUID> top(List<HnswShard> shards, float[] q, int k, boolean exact) {
    List<SearchHit> hits = new ArrayList<>();
    for (HnswShard s : shards) {
      hits.addAll(exact ? s.exactSearch(q, k * 5) : s.searchSubjects(q, k, false));
    }
    hits.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
    Set<UUID> out = new java.util.LinkedHashSet<>();
    for (SearchHit h : hits) {
      if (out.size() == k) {
        break;
      }
      out.add(h.subjectId());
    }
    return new ArrayList<>(out);
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i]) : dflt;
  }
}
