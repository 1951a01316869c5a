package dev.facerec.bench;

import dev.facerec.index.HnswShard;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexedFace;
import dev.facerec.index.InnerProduct;
import dev.facerec.index.SearchHit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * efConstruction against build time and recall, in one run on the same vectors: the service's index is built at each
 * efConstruction (every core), then searched at each efSearch on one thread. Face-like vectors (identities as clusters,
 * as in {@link NativeIndexBench}) and uniform random ones (the worst case). Prints build seconds and the ratio to the
 * largest efConstruction, recall@10 against exact search and queries/s, and the smallest efSearch reaching 0.99.
 *
 * <p>Args: {@code [identities=20000] [facesPerIdentity=5] [dim=128] [queries=1000] [M=32] [efConstructions=100,200,400]}.
 * Run with {@code bash bench/run.sh efc}.
 */
public final class EfConstructionBench {
  private static final int K = 10;
  private static final int[] EFS = {40, 80, 160, 400};

  public static void main(String[] args) throws Exception {
    int identities = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int per = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int dim = args.length > 2 ? Integer.parseInt(args[2]) : 128;
    int queries = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
    int m = args.length > 4 ? Integer.parseInt(args[4]) : 32;
    String[] efcs = (args.length > 5 ? args[5] : "100,200,400").split(",");
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf("efConstruction bench: %d identities x %d faces, %d-d, %d queries, M=%d, %d cores, distance %s%n", identities, per, dim,
        queries, m, cores, InnerProduct.vectorized() ? "Vector API" : "scalar");
    Random random = new Random(17);
    List<List<float[]>> faceLike = NativeIndexBench.faceLike(random, identities, per, dim, queries);
    sweep("face-like (clusters)", faceLike.get(0), faceLike.get(1), dim, m, efcs, cores);
    List<List<float[]>> uniform = NativeIndexBench.uniform(random, faceLike.get(0).size(), dim, queries);
    sweep("uniform random (worst case)", uniform.get(0), uniform.get(1), dim, m, efcs, cores);
  }

  private static void sweep(String label, List<float[]> raw, List<float[]> rawProbes, int dim, int m, String[] efcs, int cores)
      throws Exception {
    List<float[]> items = raw.stream().map(NativeIndexBench::normalised).toList();
    List<float[]> probes = rawProbes.stream().map(NativeIndexBench::normalised).toList();
    int[][] truth = NativeIndexBench.exact(items, probes, cores);
    List<IndexedFace> faces = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      faces.add(new IndexedFace(new UUID(0, i), new UUID(1, i), items.get(i)));
    }
    System.out.printf("%n%s: %d vectors%n", label, items.size());
    System.out.println("| efConstruction | build s | build vs largest | " + String.join(" | ",
        java.util.Arrays.stream(EFS).mapToObj(e -> "recall@10, q/s at efSearch " + e).toList()) + " | efSearch for 0.99 |");
    System.out.println("|---:|---:|---:|" + "---:|".repeat(EFS.length) + "---:|");
    double[] builds = new double[efcs.length];
    List<String> rows = new ArrayList<>();
    for (int c = 0; c < efcs.length; c++) {
      int efc = Integer.parseInt(efcs[c].trim());
      HnswShard shard = new HnswShard("bench", "bench-model", dim, new IndexParams(m, efc, EFS[0]));
      long t0 = System.nanoTime();
      shard.addAll(faces);
      builds[c] = (System.nanoTime() - t0) / 1e9;
      StringBuilder row = new StringBuilder();
      int enough = -1;
      for (int ef : EFS) {
        shard.setEfSearch(ef);
        for (int i = 0; i < Math.min(200, probes.size()); i++) {
          shard.search(probes.get(i), K); // warm-up
        }
        long s0 = System.nanoTime();
        List<List<SearchHit>> results = new ArrayList<>(probes.size());
        for (float[] q : probes) {
          results.add(shard.search(q, K));
        }
        double qps = probes.size() / ((System.nanoTime() - s0) / 1e9);
        int found = 0;
        for (int i = 0; i < probes.size(); i++) {
          Set<Integer> t = new HashSet<>();
          for (int id : truth[i]) {
            t.add(id);
          }
          for (SearchHit h : results.get(i)) {
            found += t.contains((int) h.faceId().getLeastSignificantBits()) ? 1 : 0;
          }
        }
        double recall = found / (probes.size() * (double) K);
        row.append(String.format(" %.4f, %.0f |", recall, qps));
        if (enough < 0 && recall >= 0.99) {
          enough = ef;
        }
      }
      rows.add(String.format("| %d | %.1f | %%s |%s %s |", efc, builds[c], row, enough < 0 ? "not reached" : String.valueOf(enough)));
    }
    double largest = builds[builds.length - 1];
    for (int c = 0; c < rows.size(); c++) {
      System.out.println(String.format(rows.get(c), String.format("%.2fx", builds[c] / largest)));
    }
  }
}
