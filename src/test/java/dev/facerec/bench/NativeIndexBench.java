package dev.facerec.bench;

import dev.facerec.index.HnswShard;
import dev.facerec.index.IndexEngine;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexedFace;
import dev.facerec.index.InnerProduct;
import dev.facerec.index.SearchHit;
import dev.facerec.testing.RandomVectors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;

/**
 * The service's index ({@link HnswShard} on each engine, the Vector API distance) against native hnswlib (Debian's
 * {@code python3-hnswlib}, the C++ library) on the same vectors, same M and efConstruction, in the same run: build
 * time on every core, then per efSearch the recall@10 against exact search and queries/s on one thread. Two sets:
 * vectors shaped like face embeddings (identities as clusters) and uniform random unit vectors (the worst case).
 * Prints, for the smallest efSearch at which each reaches recall 0.99, the ratio of search times, and the build ratio.
 *
 * <p>Args: {@code [identities=20000] [facesPerIdentity=5] [dim=128] [queries=1000] [M=32] [efConstruction=400]
 * [engines=packed,hnswlib-core]}.
 * Run with {@code bash bench/run.sh native} (installs python3-hnswlib when missing).
 */
public final class NativeIndexBench {
  private static final int K = 10;
  private static final int[] EFS = {10, 20, 40, 80, 160, 300, 400, 500, 600};

  public static void main(String[] args) throws Exception {
    int identities = arg(args, 0, 20_000);
    int perIdentity = arg(args, 1, 5);
    int dim = arg(args, 2, 128);
    int queries = arg(args, 3, 1_000);
    int m = arg(args, 4, 32);
    int efConstruction = arg(args, 5, 400);
    List<IndexEngine> engines = java.util.Arrays.stream((args.length > 6 ? args[6] : "packed,hnswlib-core").split(","))
        .map(IndexEngine::of).toList();
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf("native bench: %d identities x %d faces, %d-d, %d queries, M=%d, efConstruction=%d, %d cores, distance %s%n",
        identities, perIdentity, dim, queries, m, efConstruction, cores, InnerProduct.vectorized() ? "Vector API" : "scalar");
    Random random = new Random(17);
    List<List<float[]>> faceLike = faceLike(random, identities, perIdentity, dim, queries);
    List<float[]> clustered = faceLike.get(0);
    List<float[]> clusteredQueries = faceLike.get(1);
    System.out.printf("face-like set: cosine within an identity %.3f, between identities %.3f (mean of 2,000 pairs each)%n",
        meanCosine(clustered, random, perIdentity, true), meanCosine(clustered, random, perIdentity, false));
    compare("face-like (clusters)", clustered, clusteredQueries, dim, m, efConstruction, cores, engines);
    List<List<float[]>> uniform = uniform(random, clustered.size(), dim, queries);
    compare("uniform random (worst case)", uniform.get(0), uniform.get(1), dim, m, efConstruction, cores, engines);
  }

  /**
   * Vectors shaped like face embeddings, and probes: an identity's direction plus noise, and another noisy view of an
   * enrolled face's identity. {items, queries}, not normalised.
   */
  static List<List<float[]>> faceLike(Random random, int identities, int perIdentity, int dim, int queries) {
    float spread = 0.75f;
    List<float[]> clustered = new ArrayList<>();
    List<float[]> centres = new ArrayList<>();
    for (int i = 0; i < identities; i++) {
      float[] c = RandomVectors.unit(random, dim);
      centres.add(c);
      for (int f = 0; f < perIdentity; f++) {
        clustered.add(RandomVectors.near(c, spread, random));
      }
    }
    List<float[]> clusteredQueries = new ArrayList<>();
    for (int q = 0; q < queries; q++) {
      clusteredQueries.add(RandomVectors.near(centres.get(random.nextInt(identities)), spread, random));
    }
    return List.of(clustered, clusteredQueries);
  }

  /** Uniform random unit vectors and probes (the worst case): {items, queries}. */
  static List<List<float[]>> uniform(Random random, int n, int dim, int queries) {
    List<float[]> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(RandomVectors.unit(random, dim));
    }
    List<float[]> qs = new ArrayList<>();
    for (int q = 0; q < queries; q++) {
      qs.add(RandomVectors.unit(random, dim));
    }
    return List.of(items, qs);
  }

  private static void compare(String label, List<float[]> items, List<float[]> queries, int dim, int m, int efConstruction, int cores,
      List<IndexEngine> engines)
      throws Exception {
    List<float[]> unit = items.stream().map(NativeIndexBench::normalised).toList();
    List<float[]> qs = queries.stream().map(NativeIndexBench::normalised).toList();
    int[][] truth = exact(unit, qs, cores);
    Path dir = Files.createTempDirectory("native-bench");
    write(dir.resolve("items.f32"), unit);
    write(dir.resolve("queries.f32"), qs);
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("truth.i32"))))) {
      for (int[] t : truth) {
        for (int id : t) {
          out.writeInt(id);
        }
      }
    }
    StringBuilder efs = new StringBuilder();
    for (int ef : EFS) {
      efs.append(efs.length() == 0 ? "" : ",").append(ef);
    }
    Process p = new ProcessBuilder("/usr/bin/python3", Path.of("bench", "native_hnsw.py").toString(), dir.resolve("items.f32").toString(),
        dir.resolve("queries.f32").toString(), dir.resolve("truth.i32").toString(), String.valueOf(dim), String.valueOf(m),
        String.valueOf(efConstruction), String.valueOf(cores), efs.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("native hnswlib failed (apt-get install python3-hnswlib)");
    }
    JsonObject nat = new JsonObject(json);

    JsonArray natSearches = nat.getJsonArray("searches");
    double natBuild = nat.getDouble("build_s");
    List<double[]> natCurve = new ArrayList<>();
    for (int e = 0; e < EFS.length; e++) {
      natCurve.add(new double[] {natSearches.getJsonObject(e).getDouble("recall"), natSearches.getJsonObject(e).getDouble("qps")});
    }
    java.util.Map<IndexEngine, List<double[]>> ours = new java.util.LinkedHashMap<>();
    java.util.Map<IndexEngine, Double> builds = new java.util.LinkedHashMap<>();
    for (IndexEngine engine : engines) {
      double[] build = new double[1];
      ours.put(engine, measure(engine, unit, qs, truth, dim, m, efConstruction, build));
      builds.put(engine, build[0]);
    }
    System.out.printf("%n%s: %d vectors; build on %d threads: native %.1f s", label, unit.size(), cores, natBuild);
    builds.forEach((e, t) -> System.out.printf(", %s %.1f s (%.2fx)", e.configName(), t, t / natBuild));
    System.out.println();
    StringBuilder head = new StringBuilder("| efSearch | native recall@10 | native queries/s |");
    StringBuilder rule = new StringBuilder("|---:|---:|---:|");
    for (IndexEngine e : engines) {
      head.append(' ').append(e.configName()).append(" recall@10 | ").append(e.configName()).append(" queries/s |");
      rule.append("---:|---:|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (int e = 0; e < EFS.length; e++) {
      StringBuilder row = new StringBuilder(String.format("| %d | %.4f | %.0f |", EFS[e], natCurve.get(e)[0], natCurve.get(e)[1]));
      for (List<double[]> curve : ours.values()) {
        row.append(String.format(" %.4f | %.0f |", curve.get(e)[0], curve.get(e)[1]));
      }
      System.out.println(row);
    }
    java.util.Map<String, List<double[]>> plotted = new java.util.LinkedHashMap<>();
    ours.forEach((e, curve) -> plotted.put("service, " + e.configName() + " (Vector API distance)", curve));
    plotted.put("native hnswlib (python3-hnswlib)", natCurve);
    Path png = Path.of("bench-out", "index-vs-native-" + label.replaceAll("[^a-z]+", "-") + ".png");
    double minRecall = plotted.values().stream().mapToDouble(c -> c.get(0)[0]).min().orElse(0);
    LinePlot.write(png, label + ": queries/s against recall@10 (efSearch " + EFS[0] + " to " + EFS[EFS.length - 1] + ", 1 thread)",
        "recall@10", "queries/s", Math.floor(minRecall * 20) / 20, plotted);
    System.out.println("plot: " + png.toAbsolutePath());
    int natEf = firstAt(natCurve, 0.99);
    for (IndexEngine engine : engines) {
      List<double[]> curve = ours.get(engine);
      int ourEf = firstAt(curve, 0.99);
      if (ourEf >= 0 && natEf >= 0) {
        System.out.printf("%s at recall@10 >= 0.99: efSearch %d, %.0f q/s; native efSearch %d, %.0f q/s: search time %.2fx native's; build %.2fx%n",
            engine.configName(), EFS[ourEf], curve.get(ourEf)[1], EFS[natEf], natCurve.get(natEf)[1],
            natCurve.get(natEf)[1] / curve.get(ourEf)[1], builds.get(engine) / natBuild);
      } else {
        System.out.printf("%s: recall 0.99 not reached by %s within efSearch %d; build %.2fx%n", engine.configName(),
            ourEf < 0 ? "the service" : "native", EFS[EFS.length - 1], builds.get(engine) / natBuild);
      }
    }
  }

  /** Index of the first efSearch whose recall reaches {@code target}, or -1. */
  private static int firstAt(List<double[]> curve, double target) {
    for (int e = 0; e < curve.size(); e++) {
      if (curve.get(e)[0] >= target) {
        return e;
      }
    }
    return -1;
  }

  /** Builds one engine's shard on every core, then per efSearch: {recall@10, queries/s on one thread}. */
  private static List<double[]> measure(IndexEngine engine, List<float[]> unit, List<float[]> qs, int[][] truth, int dim, int m,
      int efConstruction, double[] buildSeconds) {
    HnswShard shard = new HnswShard("bench", "bench-model", dim, new IndexParams(m, efConstruction, EFS[0], engine));
    List<IndexedFace> faces = new ArrayList<>();
    for (int i = 0; i < unit.size(); i++) {
      faces.add(new IndexedFace(new UUID(0, i), new UUID(1, i), unit.get(i)));
    }
    long t0 = System.nanoTime();
    shard.addAll(faces);
    buildSeconds[0] = (System.nanoTime() - t0) / 1e9;
    List<double[]> curve = new ArrayList<>();
    for (int ef : EFS) {
      shard.setEfSearch(ef);
      for (int i = 0; i < Math.min(200, qs.size()); i++) {
        shard.search(qs.get(i), K);
      }
      int found = 0;
      long s0 = System.nanoTime();
      List<List<SearchHit>> results = new ArrayList<>(qs.size());
      for (float[] q : qs) {
        results.add(shard.search(q, K));
      }
      double qps = qs.size() / ((System.nanoTime() - s0) / 1e9);
      for (int i = 0; i < qs.size(); i++) {
        java.util.Set<Integer> t = new java.util.HashSet<>();
        for (int id : truth[i]) {
          t.add(id);
        }
        for (SearchHit h : results.get(i)) {
          found += t.contains((int) h.faceId().getLeastSignificantBits()) ? 1 : 0;
        }
      }
      curve.add(new double[] {found / (qs.size() * (double) K), qps});
    }
    return curve;
  }

  static int[][] exact(List<float[]> items, List<float[]> qs, int threads) throws Exception {
    InnerProduct d = InnerProduct.best();
    int[][] truth = new int[qs.size()][];
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
    for (int q = 0; q < qs.size(); q++) {
      int qi = q;
      jobs.add(pool.submit(() -> {
        PriorityQueue<float[]> top = new PriorityQueue<>((a, b) -> Float.compare(b[0], a[0])); // largest distance first
        for (int i = 0; i < items.size(); i++) {
          float dist = d.distance(qs.get(qi), items.get(i));
          if (top.size() < K) {
            top.add(new float[] {dist, i});
          } else if (dist < top.peek()[0]) {
            top.poll();
            top.add(new float[] {dist, i});
          }
        }
        truth[qi] = top.stream().mapToInt(t -> (int) t[1]).toArray();
      }));
    }
    for (var j : jobs) {
      j.get();
    }
    pool.shutdown();
    return truth;
  }

  static float[] normalised(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    float inv = (float) (1 / Math.sqrt(s));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }

  private static double meanCosine(List<float[]> items, Random random, int per, boolean within) {
    double sum = 0;
    for (int i = 0; i < 2000; i++) {
      int a = random.nextInt(items.size());
      int b;
      do {
        b = within ? (a / per) * per + random.nextInt(per) : random.nextInt(items.size());
      } while (b == a || (!within && b / per == a / per));
      sum += 1 - InnerProduct.best().distance(normalised(items.get(a)), normalised(items.get(b)));
    }
    return sum / 2000;
  }

  private static void write(Path file, List<float[]> vectors) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      for (float[] v : vectors) {
        for (float x : v) {
          out.writeFloat(x);
        }
      }
    }
  }

  private static int arg(String[] args, int i, int def) {
    return args.length > i ? Integer.parseInt(args[i]) : def;
  }
}
