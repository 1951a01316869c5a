package dev.facerec.bench;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.Codecs;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexVerticle;
import dev.facerec.index.Placement;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import dev.facerec.store.GalleryStore;
import dev.facerec.store.GalleryStore.ImportedFace;
import dev.facerec.testing.RandomVectors;
import dev.facerec.testing.TestDatabase;
import dev.facerec.testing.TestNode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Searches of an index node through the event bus, as identify makes them (one request per shard of the
 * collection, all at once), from several concurrent clients: the node searching one request at a time
 * ({@code INDEX_SEARCH_THREADS=1}, as before) against searching on every core, in the same run; then on every core
 * while a writer enrolls about 100 faces a second (the node applies them from the change log as they commit), to
 * bound how much enrollments stall searches. A real PostgreSQL (the test one) holds the gallery.
 *
 * <p>Args: {@code [faces=20000] [dim=128] [clients=8] [seconds=15]}. Run with {@code bash bench/run.sh search}.
 */
public final class IndexSearchBench {
  private static final String COLLECTION = "bench";
  private static final String MODEL = "bench-model";
  private static final String NODE = "search-bench";
  private static final int SHARDS = 6;

  public static void main(String[] args) throws Exception {
    int faces = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int dim = args.length > 1 ? Integer.parseInt(args[1]) : 128;
    int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    int cores = Runtime.getRuntime().availableProcessors();
    String schema = TestNode.schema("searchbench");
    Database db = Database.start(new DatabaseSettings(TestDatabase.base(), null, 8, 5000, schema));
    Vertx vertx = Vertx.vertx();
    Codecs.register(vertx);
    Pool pool = db.createPool(vertx);
    Path snapshots = Files.createTempDirectory("searchbench");
    try {
      GalleryStore store = new GalleryStore(pool, SHARDS);
      Random random = new Random(7);
      long t0 = System.nanoTime();
      importFaces(store, faces, dim, random);
      System.out.printf("search bench: %d faces (%d-d, identities of 5), %d shards, %d clients, %d s per phase, %d cores; imported in %.1f s%n",
          faces, dim, SHARDS, clients, seconds, cores, (System.nanoTime() - t0) / 1e9);
      List<float[]> queries = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        queries.add(RandomVectors.unit(random, dim));
      }
      System.out.println("| search threads | writer | queries/s | p50 ms | p99 ms | max ms | faces imported meanwhile, then applied within |");
      System.out.println("|---:|---|---:|---:|---:|---:|---:|");
      double serial = phase(vertx, store, snapshots, dim, 1, clients, seconds, queries, false, random);
      double parallel = phase(vertx, store, snapshots, dim, cores, clients, seconds, queries, false, random);
      phase(vertx, store, snapshots, dim, cores, clients, seconds, queries, true, random);
      System.out.printf("ratio: searching on %d threads answers %.2fx the queries of one at a time%n", cores, parallel / serial);
    } finally {
      pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      db.close();
      TestNode.dropSchema(schema);
    }
  }

  /** Faces in identities of five, each a small spread around its identity's direction, like face embeddings. */
  private static void importFaces(GalleryStore store, int faces, int dim, Random random) throws Exception {
    List<ImportedFace> batch = new ArrayList<>();
    float[] centre = null;
    UUID subject = null;
    for (int i = 0; i < faces; i++) {
      if (i % 5 == 0) {
        centre = RandomVectors.unit(random, dim);
        subject = UUID.randomUUID();
      }
      batch.add(new ImportedFace(UUID.randomUUID(), subject, "s" + (i / 5), RandomVectors.near(centre, 0.6f, random)));
      if (batch.size() == 1000 || i == faces - 1) {
        await(store.importBatch(COLLECTION, MODEL, batch));
        batch = new ArrayList<>();
      }
    }
  }

  private static double phase(Vertx vertx, GalleryStore store, Path snapshots, int dim, int threads, int clients, int seconds,
      List<float[]> queries, boolean writer, Random random) throws Exception {
    IndexVerticle index = new IndexVerticle(NODE, NODE, Placement.alone(NODE), () -> Set.of(NODE), new IndexParams(32, 400, 400),
        0, 1_000_000, store, snapshots, MODEL, dim, threads);
    String id = await(vertx.deployVerticle(index, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    try {
      while (index.notReadyReason() != null) {
        Thread.sleep(100);
      }
      AtomicBoolean writing = new AtomicBoolean(writer);
      java.util.concurrent.atomic.AtomicInteger imported = new java.util.concurrent.atomic.AtomicInteger();
      Thread w = new Thread(() -> {
        Random r = new Random(11);
        while (writing.get()) {
          try {
            // About 100 enrollments a second: several inference nodes' worth of enrollment traffic.
            importFaces(store, 10, dim, r);
            imported.addAndGet(10);
            Thread.sleep(100);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }, "bench-writer");
      if (writer) {
        w.start();
      }
      List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      List<Future<Void>> loops = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        loops.add(client(vertx, queries, c, end, latencies));
      }
      await(Future.all(loops));
      writing.set(false);
      String applied = "-";
      if (writer) {
        w.join();
        long t = System.nanoTime();
        long last = await(store.currentSeq());
        while (index.appliedSeq() < last) {
          Thread.sleep(50);
        }
        applied = String.format("%d faces, %.1f s after the last commit", imported.get(), (System.nanoTime() - t) / 1e9);
      }
      long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      double qps = sorted.length / (double) seconds;
      System.out.printf("| %d | %s | %.0f | %.2f | %.2f | %.2f | %s |%n", threads, writer ? "importing" : "-", qps,
          sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6,
          applied);
      return qps;
    } finally {
      await(vertx.undeploy(id)); // saves the snapshots: the next phase loads them instead of rebuilding
    }
  }

  /** One client: a query at a time, each one request per shard sent together, the next once all answered. */
  private static Future<Void> client(Vertx vertx, List<float[]> queries, int c, long end, List<Long> latencies) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    int[] n = {c * 37};
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (System.nanoTime() > end) {
        done.tryComplete();
        return;
      }
      float[] q = queries.get(n[0]++ % queries.size());
      long t = System.nanoTime();
      List<Future<?>> shards = new ArrayList<>();
      for (int s = 0; s < SHARDS; s++) {
        shards.add(vertx.eventBus().<SearchResult>request(Addresses.node(NODE, Addresses.INDEX_SEARCH), new SearchRequest(COLLECTION, s, q, 10)));
      }
      Future.all(shards).onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        latencies.add(System.nanoTime() - t);
        next[0].run();
      });
    };
    vertx.runOnContext(v -> next[0].run());
    return done.future();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }
}
