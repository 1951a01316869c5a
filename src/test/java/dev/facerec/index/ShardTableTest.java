package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ShardTableTest {
  static JsonObject report(String node, List<String> ready) {
    return new JsonObject().put("node", node).put("appliedSeq", 5).put("counts", new JsonObject().put("c", 2)).put("ready", new JsonArray(ready))
        .put("placement", new JsonObject().put("c#0", new JsonArray().add("a").add("b")).put("c#1", new JsonArray().add("b").add("c")));
  }

  @Test
  @DisplayName("candidates: ready holders (self first, then least loaded), then placed holders, then the other index nodes")
  void candidateOrder() {
    ShardTable t = new ShardTable();
    t.update(report("a", List.of("c#0")));
    t.update(report("b", List.of("c#0", "c#1")));
    t.update(report("c", List.of()));
    List<String> nodes = List.of("a", "b", "c", "d");
    assertEquals(List.of("a", "b", "c", "d"), t.candidates("c#0", "a", n -> 0, nodes));
    assertEquals(List.of("b", "a", "c", "d"), t.candidates("c#0", "x", n -> n.equals("a") ? 5 : 0, nodes));
    assertEquals(List.of("b", "c", "a", "d"), t.candidates("c#1", "a", n -> 0, nodes), "c is placed but not ready yet");
    assertEquals(2, t.shards("c"));
    assertNull(t.shards("other"));
  }

  @Test
  @DisplayName("nodes that left are forgotten; the view lists shard to ready nodes")
  void retainsLiveNodes() {
    ShardTable t = new ShardTable();
    t.update(report("a", List.of("c#0")));
    t.update(report("b", List.of("c#0", "c#1")));
    t.retain(Set.of("a"));
    assertEquals(List.of("a"), t.readyHolders("c#0"));
    assertEquals(new JsonObject().put("c#0", new JsonArray().add("a")), t.view());
  }

  @Test
  @DisplayName("a face's shard is the same in Java and in the SQL expression (checked against PostgreSQL in GalleryStoreIT)")
  void shardsSpreadFaces() {
    int[] counts = new int[6];
    for (int i = 0; i < 6000; i++) {
      counts[Shards.of(UUID.randomUUID(), 6)]++;
    }
    for (int c : counts) {
      org.junit.jupiter.api.Assertions.assertTrue(c > 800 && c < 1200, "uneven shards: " + java.util.Arrays.toString(counts));
    }
    assertEquals(0, Shards.of(UUID.randomUUID(), 1));
  }
}
