package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("IndexSnapshots")
class IndexSnapshotsTest {
  private static final IndexParams PARAMS = new IndexParams(8, 50, 50);
  private static final String MODEL = "m1";
  private static final int DIM = 8;

  @TempDir Path dir;

  @Test
  @DisplayName("names files safely and distinctly for any collection name")
  void namesFilesSafely() {
    List<String> names = List.of("default", "../../etc/passwd", "a/b", "A", "a", "visages-été", "x".repeat(500), "y".repeat(500));
    List<String> files = names.stream().map(IndexSnapshots::fileNameFor).toList();
    assertEquals(names.size(), files.stream().map(String::toLowerCase).distinct().count());
    for (String f : files) {
      assertTrue(f.matches("[cs]-[0-9a-f]+\\.hnsw"), f);
      assertTrue(f.length() <= 255, f);
    }
    assertEquals(dir, new IndexSnapshots(dir).fileFor("../x").getParent());
  }

  @Test
  @DisplayName("saves all shards and loads each back by collection")
  void savesAllAndLoadsBack() throws IOException {
    IndexSnapshots snapshots = new IndexSnapshots(dir.resolve("snap"));
    HnswShard a = filled("team/a");
    HnswShard b = filled("team/b");
    snapshots.saveAll(List.of(a, b));

    HnswShard loadedA = snapshots.loadOrNull("team/a", MODEL, DIM, PARAMS);
    assertNotNull(loadedA);
    assertEquals(a.ids(), loadedA.ids());
    assertEquals(b.ids(), snapshots.loadOrNull("team/b", MODEL, DIM, PARAMS).ids());
    assertNull(snapshots.loadOrNull("team/c", MODEL, DIM, PARAMS));
    assertNull(snapshots.loadOrNull("team/a", "other-model", DIM, PARAMS));

    // a file copied under another collection's name is refused
    Files.copy(snapshots.fileFor("team/a"), snapshots.fileFor("team/z"));
    assertNull(snapshots.loadOrNull("team/z", MODEL, DIM, PARAMS));

    assertTrue(snapshots.delete("team/a"));
    assertNull(snapshots.loadOrNull("team/a", MODEL, DIM, PARAMS));
  }

  @Test
  @DisplayName("saveAll reports a failure but still saves the other shards")
  void saveAllContinuesPastAFailure() throws IOException {
    Path blocked = dir.resolve("blocked");
    Files.createDirectories(blocked);
    IndexSnapshots snapshots = new IndexSnapshots(blocked);
    // a directory where the file should go makes that one save fail
    Files.createDirectories(snapshots.fileFor("bad"));
    HnswShard good = filled("good");
    IOException e = assertThrows(IOException.class, () -> snapshots.saveAll(List.of(filled("bad"), good)));
    assertEquals(1, e.getSuppressed().length);
    assertNotEquals(null, snapshots.loadOrNull("good", MODEL, DIM, PARAMS));
  }

  private static HnswShard filled(String collection) {
    Random random = new Random(collection.hashCode());
    HnswShard shard = new HnswShard(collection, MODEL, DIM, PARAMS);
    for (int i = 0; i < 30; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) random.nextGaussian();
      }
      shard.add(new IndexedFace(UUID.randomUUID(), UUID.randomUUID(), v));
    }
    return shard;
  }
}
