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

/**
 * One node's replica of the gallery index: a {@link HnswShard} per collection, the change-log position it
 * has applied, and a content checksum per collection. Changes are applied strictly in sequence order: one
 * that arrives early waits in a buffer until the gap before it is filled (from the log, by the caller).
 * Not thread-safe: the index verticle confines it to its context.
 */
public final class Replica {
  private final String modelId;
  private final int dimension;
  private final IndexParams params;
  private final Map<String, HnswShard> shards = new HashMap<>();
  private final Map<String, Long> checksums = new HashMap<>();
  private final TreeMap<Long, IndexChange> pending = new TreeMap<>();
  private final Set<String> dirty = new TreeSet<>();
  private long applied;

  public Replica(String modelId, int dimension, IndexParams params, long applied) {
    this.modelId = modelId;
    this.dimension = dimension;
    this.params = params;
    this.applied = applied;
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

  /** Applies a change to its collection without touching the sequence (rebuilds replay onto a new shard). */
  public static void applyTo(HnswShard shard, long[] checksum, IndexChange c) {
    for (IndexChange.Entry e : c.add()) {
      IndexedFace f = new IndexedFace(e.faceId(), e.subjectId(), e.vector());
      IndexedFace before = shard.get(e.faceId());
      if (before != null) {
        checksum[0] -= hash(before);
      }
      shard.add(f);
      IndexedFace stored = shard.get(e.faceId());
      checksum[0] += hash(stored);
    }
    for (UUID id : c.remove()) {
      IndexedFace before = shard.get(id);
      if (before != null && shard.remove(id)) {
        checksum[0] -= hash(before);
      }
    }
  }

  private void apply(IndexChange c) {
    if (c.add().isEmpty() && c.remove().isEmpty()) {
      return; // settings, or an add whose face was deleted since (its removal follows)
    }
    HnswShard shard = shards.computeIfAbsent(c.collection(), n -> new HnswShard(n, modelId, dimension, params));
    long[] sum = {checksums.getOrDefault(c.collection(), 0L)};
    applyTo(shard, sum, c);
    checksums.put(c.collection(), sum[0]);
    dirty.add(c.collection());
  }

  /** Installs a collection's shard (loaded or rebuilt) and computes its checksum. */
  public void put(HnswShard shard) {
    shards.put(shard.collection(), shard);
    checksums.put(shard.collection(), checksumOf(shard));
  }

  public void markDirty(String collection) {
    dirty.add(collection);
  }

  /** Collections changed since the last call (for snapshots). */
  public List<String> takeDirty() {
    List<String> out = new ArrayList<>(dirty);
    dirty.clear();
    return out;
  }

  public HnswShard shard(String collection) {
    return shards.get(collection);
  }

  public Map<String, HnswShard> shards() {
    return shards;
  }

  /** The content checksum of a collection: equal on two replicas when they hold the same faces. */
  public String checksum(String collection) {
    return HexFormat.of().toHexDigits(checksums.getOrDefault(collection, 0L));
  }

  public static long checksumOf(HnswShard shard) {
    long sum = 0;
    for (IndexedFace f : shard.items()) {
      sum += hash(f);
    }
    return sum;
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
