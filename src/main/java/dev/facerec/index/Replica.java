package dev.facerec.index;

import dev.facerec.bus.IndexChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * One node's replica of the gallery index: a {@link HnswShard} for each shard it holds ({@code
 * collection#s}), the change-log position it has applied, and a content checksum per shard. Changes are
 * applied strictly in sequence order (one that arrives early waits until the gap before it is filled, from
 * the log, by the caller), each face only to its own shard, and only when this replica holds that shard.
 * Confined to the index verticle's context, except that searches, dispatched elsewhere, read its shards, shard counts
 * and position from other threads (concurrent maps, a volatile position).
 */
public final class Replica {
  private final String modelId;
  private final int dimension;
  private final IndexParams params;
  /** Whether this node should hold a shard key: its shards of a collection first seen in the log are created empty. */
  private final Predicate<String> assigned;
  private final Map<String, HnswShard> shards = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Long> checksums = new HashMap<>();
  private final Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
  private final TreeMap<Long, IndexChange> pending = new TreeMap<>();
  private final Set<String> dirty = new TreeSet<>();
  private volatile long applied;

  public Replica(String modelId, int dimension, IndexParams params, long applied, Map<String, Integer> counts, Predicate<String> assigned) {
    this.modelId = modelId;
    this.dimension = dimension;
    this.params = params;
    this.applied = applied;
    this.counts.putAll(counts);
    this.assigned = assigned;
  }

  /** A replica holding every shard of every collection (tests, a single node). */
  public Replica(String modelId, int dimension, IndexParams params, long applied) {
    this(modelId, dimension, params, applied, Map.of(), k -> true);
  }

  public long applied() {
    return applied;
  }

  /** Whether changes wait for an earlier one that has not arrived. */
  public boolean hasGap() {
    return !pending.isEmpty();
  }

  /** The lowest sequence number this replica is waiting for, when it has a gap. */
  public long waitingFor() {
    return applied + 1;
  }

  /** Each known collection's shard count. */
  public Map<String, Integer> counts() {
    return counts;
  }

  /** Applies {@code c} if it is the next one (and every buffered one that then follows); buffers it otherwise. */
  public void offer(IndexChange c) {
    if (c.seq() <= applied) {
      return; // already applied: a duplicate from the log or a retry
    }
    pending.put(c.seq(), c);
    IndexChange next;
    while ((next = pending.remove(applied + 1)) != null) {
      apply(next);
      applied = next.seq();
    }
    pending.headMap(applied, true).clear();
  }

  /** Applies the entries of {@code c} that belong to {@code shard} (key {@code key}), without touching the sequence. */
  public static void applyTo(String key, HnswShard shard, long[] checksum, IndexChange c) {
    for (IndexChange.Entry e : c.add()) {
      if (!key.equals(Shards.key(c.collection(), Shards.of(e.subjectId(), c.shards())))) {
        continue;
      }
      IndexedFace before = shard.get(e.faceId());
      if (before != null) {
        checksum[0] -= hash(before);
      }
      shard.add(new IndexedFace(e.faceId(), e.subjectId(), e.vector()));
      checksum[0] += hash(shard.get(e.faceId()));
    }
    // A removal names the face only: it is in whichever shard holds it, if any.
    for (UUID id : c.remove()) {
      IndexedFace before = shard.get(id);
      if (before != null && shard.remove(id)) {
        checksum[0] -= hash(before);
      }
    }
  }

  private void apply(IndexChange c) {
    if (!counts.containsKey(c.collection())) {
      // First sight of a collection: it had no faces before this change, so empty shards are exact. The shards
      // come before the count: a search on another thread that sees the count must find them.
      for (int s = 0; s < Math.max(1, c.shards()); s++) {
        String key = Shards.key(c.collection(), s);
        if (assigned.test(key) && !shards.containsKey(key)) {
          put(key, new HnswShard(key, modelId, dimension, params));
        }
      }
      counts.put(c.collection(), Math.max(1, c.shards()));
    }
    if (c.add().isEmpty() && c.remove().isEmpty()) {
      return; // settings, or an add whose face was deleted since (its removal follows)
    }
    Set<String> touched = new TreeSet<>();
    c.add().forEach(e -> touched.add(Shards.key(c.collection(), Shards.of(e.subjectId(), c.shards()))));
    for (int s = 0; s < Math.max(1, c.shards()) && !c.remove().isEmpty(); s++) {
      String key = Shards.key(c.collection(), s);
      HnswShard shard = shards.get(key);
      if (shard != null && c.remove().stream().anyMatch(id -> shard.get(id) != null)) {
        touched.add(key);
      }
    }
    for (String key : touched) {
      HnswShard shard = shards.get(key);
      if (shard == null) {
        continue; // another node's shard
      }
      long[] sum = {checksums.getOrDefault(key, 0L)};
      applyTo(key, shard, sum, c);
      checksums.put(key, sum[0]);
      dirty.add(key);
    }
  }

  /** Installs a shard (loaded, built or empty) under its key and computes its checksum. */
  public void put(String key, HnswShard shard) {
    shards.put(key, shard);
    checksums.put(key, checksumOf(shard));
  }

  /** Installs a shard whose checksum was kept while it was built. */
  public void put(String key, HnswShard shard, long checksum) {
    shards.put(key, shard);
    checksums.put(key, checksum);
  }

  public void drop(String key) {
    shards.remove(key);
    checksums.remove(key);
    dirty.remove(key);
  }

  public void markDirty(String key) {
    dirty.add(key);
  }

  /** Shards changed since the last call (for snapshots). */
  public List<String> takeDirty() {
    List<String> out = new ArrayList<>(dirty);
    dirty.clear();
    return out;
  }

  public HnswShard shard(String key) {
    return shards.get(key);
  }

  /** The shard of {@code collection} this replica holds, keyed by {@code collection#s}. */
  public HnswShard shard(String collection, int s) {
    return shards.get(Shards.key(collection, s));
  }

  public Map<String, HnswShard> shards() {
    return shards;
  }

  /** The content checksum of a shard: equal on two replicas when they hold the same faces. */
  public String checksum(String key) {
    return HexFormat.of().toHexDigits(checksums.getOrDefault(key, 0L));
  }

  public static long checksumOf(HnswShard shard) {
    long[] sum = {0};
    shard.forEach(f -> sum[0] += hash(f));
    return sum[0];
  }

  /** An order-independent fingerprint term of one face: ids and vector bits, mixed. */
  static long hash(IndexedFace f) {
    long h = mix(f.faceId().getMostSignificantBits() ^ mix(f.faceId().getLeastSignificantBits()));
    h = mix(h ^ f.subjectId().getMostSignificantBits()) ^ mix(f.subjectId().getLeastSignificantBits() + 0x9E3779B97F4A7C15L);
    for (float v : f.vector()) {
      h = mix(h ^ Float.floatToIntBits(v));
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
