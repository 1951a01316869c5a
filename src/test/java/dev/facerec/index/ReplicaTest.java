package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.IndexChange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplicaTest {
  static final IndexParams PARAMS = new IndexParams(16, 100, 100);
  static final int SHARDS = 3;

  static float[] vec(Random r) {
    float[] v = new float[8];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** A history of adds and removes over two collections. */
  static List<IndexChange> history(int n, long seed) {
    Random r = new Random(seed);
    List<IndexChange> out = new ArrayList<>();
    List<UUID> live = new ArrayList<>();
    for (int seq = 1; seq <= n; seq++) {
      String c = seq % 3 == 0 ? "b" : "a";
      if (!live.isEmpty() && r.nextInt(4) == 0) {
        UUID gone = live.remove(r.nextInt(live.size()));
        out.add(IndexChange.removing(seq, "a", SHARDS, List.of(gone)));
      } else if (seq % 7 == 0) {
        out.add(new IndexChange(seq, c, SHARDS, IndexChange.Op.SETTINGS, List.of(), List.of()));
      } else {
        UUID f = UUID.randomUUID();
        if (c.equals("a")) {
          live.add(f);
        }
        out.add(IndexChange.adding(seq, c, SHARDS, f, UUID.randomUUID(), vec(r)));
      }
    }
    return out;
  }

  @Test
  @DisplayName("changes offered out of order are applied in sequence order: same content and checksum as in order")
  void appliesInSequenceOrder() {
    List<IndexChange> h = history(200, 1);
    Replica ordered = new Replica("m", 8, PARAMS, 0);
    h.forEach(ordered::offer);
    List<IndexChange> shuffled = new ArrayList<>(h);
    Collections.shuffle(shuffled, new Random(2));
    Replica mixed = new Replica("m", 8, PARAMS, 0);
    for (IndexChange c : shuffled) {
      mixed.offer(c);
    }
    assertEquals(200, mixed.applied());
    assertFalse(mixed.hasGap());
    assertEquals(ordered.shards().keySet(), mixed.shards().keySet());
    for (String key : ordered.shards().keySet()) {
      assertEquals(ordered.checksum(key), mixed.checksum(key), key);
      assertEquals(ordered.shard(key).ids(), mixed.shard(key).ids(), key);
    }
  }

  @Test
  @DisplayName("a gap holds later changes back until it is filled; duplicates change nothing")
  void gapHoldsBack() {
    List<IndexChange> h = history(10, 3);
    Replica r = new Replica("m", 8, PARAMS, 0);
    r.offer(h.get(0));
    r.offer(h.get(2));
    r.offer(h.get(3));
    assertEquals(1, r.applied());
    assertTrue(r.hasGap());
    assertEquals(2, r.waitingFor());
    r.offer(h.get(1));
    assertEquals(4, r.applied());
    java.util.Map<String, String> sums = new java.util.HashMap<>();
    r.shards().keySet().forEach(k -> sums.put(k, r.checksum(k)));
    r.offer(h.get(1));
    r.offer(h.get(3));
    r.shards().keySet().forEach(k -> assertEquals(sums.get(k), r.checksum(k)));
  }

  @Test
  @DisplayName("replaying a log from an older position onto a newer state ends in the same state (restart after a snapshot)")
  void replayFromOlderPositionConverges() {
    List<IndexChange> h = history(300, 4);
    Replica reference = new Replica("m", 8, PARAMS, 0);
    h.forEach(reference::offer);
    // A "snapshot" taken at 250, labelled with the older position 200: replay 201..300 onto it.
    Replica at250 = new Replica("m", 8, PARAMS, 0);
    h.subList(0, 250).forEach(at250::offer);
    Replica restarted = new Replica("m", 8, PARAMS, 200, java.util.Map.of("a", SHARDS, "b", SHARDS), k -> true);
    at250.shards().forEach(restarted::put);
    h.subList(200, 300).forEach(restarted::offer);
    for (String key : reference.shards().keySet()) {
      assertEquals(reference.checksum(key), restarted.checksum(key), key);
      assertEquals(Replica.checksumOf(reference.shard(key)), Replica.checksumOf(restarted.shard(key)), key);
    }
  }

  @Test
  @DisplayName("a replica applies only the faces of the shards it holds; together the holders cover every face once")
  void appliesOnlyItsShards() {
    List<IndexChange> h = history(300, 6);
    Replica all = new Replica("m", 8, PARAMS, 0);
    h.forEach(all::offer);
    Replica even = new Replica("m", 8, PARAMS, 0, java.util.Map.of(), k -> k.endsWith("#0") || k.endsWith("#2"));
    Replica odd = new Replica("m", 8, PARAMS, 0, java.util.Map.of(), k -> k.endsWith("#1"));
    h.forEach(even::offer);
    h.forEach(odd::offer);
    assertEquals(java.util.Set.of("a#0", "a#2", "b#0", "b#2"), even.shards().keySet());
    assertEquals(java.util.Set.of("a#1", "b#1"), odd.shards().keySet());
    for (String key : all.shards().keySet()) {
      Replica holder = even.shard(key) != null ? even : odd;
      assertEquals(all.checksum(key), holder.checksum(key), key);
      for (IndexedFace f : holder.shard(key).items()) {
        assertEquals(key, Shards.key(key.substring(0, 1), Shards.of(f.subjectId(), SHARDS)), "face in the wrong shard");
      }
    }
    assertEquals(all.shards().values().stream().mapToInt(HnswShard::size).sum(),
        even.shards().values().stream().mapToInt(HnswShard::size).sum() + odd.shards().values().stream().mapToInt(HnswShard::size).sum());
  }

  @Test
  @DisplayName("the checksum tells different contents apart and does not depend on insertion order")
  void checksumIsContentBased() {
    Random r = new Random(5);
    List<IndexedFace> faces = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      faces.add(new IndexedFace(UUID.randomUUID(), UUID.randomUUID(), vec(r)));
    }
    HnswShard one = new HnswShard("a", "m", 8, PARAMS);
    faces.forEach(one::add);
    HnswShard two = new HnswShard("a", "m", 8, PARAMS);
    List<IndexedFace> reversed = new ArrayList<>(faces);
    Collections.reverse(reversed);
    two.addAll(reversed);
    assertEquals(Replica.checksumOf(one), Replica.checksumOf(two));
    two.remove(faces.get(7).faceId());
    assertNotEquals(Replica.checksumOf(one), Replica.checksumOf(two));
  }
}
