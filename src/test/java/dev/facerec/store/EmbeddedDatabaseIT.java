package dev.facerec.store;

import static dev.facerec.store.GalleryStoreIT.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import dev.facerec.store.GalleryStore.Subject;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@DisplayName("The embedded PostgreSQL keeps the gallery across restarts")
class EmbeddedDatabaseIT {

  @Test
  @DisplayName("a subject written before a restart on the same data directory reads back after it")
  void keepsDataAcrossRestarts(Vertx vertx, @TempDir Path dataDir) throws Exception {
    DatabaseSettings settings = new DatabaseSettings(null, dataDir, 2, 5000);
    float[] embedding = {0.25f, -0.5f, 0.125f, 1e-7f};
    UUID id;

    try (Database db = Database.start(settings)) {
      assertTrue(db.embedded());
      assertTrue(Files.isDirectory(dataDir.resolve("postgres")));
      Pool pool = db.createPool(vertx);
      try {
        assertEquals("on", await(pool.query("SHOW synchronous_commit").execute()).iterator().next().getString(0));
        assertEquals("on", await(pool.query("SHOW fsync").execute()).iterator().next().getString(0), "durable: fsync on");
        assertEquals("on", await(pool.query("SHOW full_page_writes").execute()).iterator().next().getString(0));
        GalleryStore store = new GalleryStore(pool);
        id = await(store.createSubject("restart", "Margaret", new JsonObject().put("k", "v"))).id();
        await(store.addFace(id, embedding, "m1", new DetectedFace(new Box(1, 2, 3, 4), null, 0.9f), null));
      } finally {
        await(pool.close());
      }
    }

    try (Database db = Database.start(settings)) {
      Pool pool = db.createPool(vertx);
      try {
        GalleryStore store = new GalleryStore(pool);
        Subject s = await(store.getSubject(id));
        assertEquals("Margaret", s.name());
        assertEquals(new JsonObject().put("k", "v"), s.metadata());
        assertEquals(1, s.faceCount());
        assertArrayEquals(embedding, await(store.embeddings("restart")).get(0).vector());
      } finally {
        await(pool.close());
      }
    }
  }

  /** A JVM that starts the embedded database on a directory, writes one subject, says so, and waits to be killed. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      Vertx vertx = Vertx.vertx();
      Database db = Database.start(new DatabaseSettings(null, Path.of(args[0]), 2, 5000));
      Pool pool = db.createPool(vertx);
      UUID id = new GalleryStore(pool).createSubject("stale", "Ada", new JsonObject()).toCompletionStage().toCompletableFuture().get().id();
      System.out.println("READY " + id);
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  @Test
  @DisplayName("a server left running by a service killed with SIGKILL is stopped before start, and the data is there")
  void staleServerIsStoppedBeforeStart(Vertx vertx, @TempDir Path dataDir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), Holder.class.getName(),
        dataDir.toString()).redirectErrorStream(true);
    pb.environment().put("CLASSPATH", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    Process holder = pb.start();
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
    UUID id = null;
    for (String line; id == null && (line = out.readLine()) != null; ) {
      if (line.startsWith("READY ")) {
        id = UUID.fromString(line.substring(6).trim());
      }
    }
    assertTrue(id != null, "the holder JVM started its database");
    holder.destroyForcibly(); // SIGKILL: no shutdown hook stops its PostgreSQL
    holder.waitFor();
    long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the orphaned server still runs");

    long t0 = System.nanoTime();
    try (Database db = Database.start(settingsFor(dataDir))) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("stale embedded server (pid %d) stopped and a new one started in %d ms%n", pid, ms);
      assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the stale server is gone");
      assertTrue(ms < 40_000, "started in " + ms + " ms, not after zonky's 60 s wait");
      Pool pool = db.createPool(vertx);
      try {
        assertEquals("Ada", await(new GalleryStore(pool).getSubject(id)).name());
      } finally {
        await(pool.close());
      }
    }
  }

  private static DatabaseSettings settingsFor(Path dataDir) {
    return new DatabaseSettings(null, dataDir, 2, 5000);
  }
}
