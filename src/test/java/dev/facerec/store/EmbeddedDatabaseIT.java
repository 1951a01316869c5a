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
}
