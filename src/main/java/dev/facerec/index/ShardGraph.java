package dev.facerec.index;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.UUID;

/**
 * The graph inside one {@link HnswShard}: what the shard needs from an HNSW implementation ({@link IndexEngine}).
 *
 * <p>Threading, as the shard uses it: {@link #put} of distinct faces may run on several threads at once, and never
 * beside {@link #remove}, {@link #resize} or {@link #write}; searches run beside everything but {@link #resize} (and the
 * swap {@link #prepareResize} returns).
 * Vectors come in unit length, already copied.
 */
interface ShardGraph {

  /** One search hit: a face, its subject and its distance {@code 1 - cosine}. */
  record Neighbour(UUID faceId, UUID subjectId, float distance) {}

  IndexEngine engine();

  /** Adds the face, or replaces the one with its id; the caller has made room for one more node. */
  void put(IndexedFace face);

  /** Tombstones the face; false when it is not here. */
  boolean remove(UUID faceId);

  /** The live face with this id, or null. */
  IndexedFace get(UUID faceId);

  /** Each live face in turn, without gathering them all first (checksums and scans of a large shard). */
  void forEach(java.util.function.Consumer<IndexedFace> action);

  /** Live faces. */
  int size();

  /** Node slots, live, tombstoned and free. */
  int capacity();

  void resize(int capacity);

  /**
   * Grows in two steps: the slow part (copying) now, beside searches, and the returned swap, which the shard runs
   * with searches shut out. Only one thread mutates the graph between the two, and nothing but searches runs
   * beside the first. By default the whole resize happens in the swap.
   */
  default Runnable prepareResize(int capacity) {
    return () -> resize(capacity);
  }

  void setEf(int ef);

  /** The {@code k} nearest live faces to a unit vector, nearest first. */
  List<Neighbour> nearest(float[] query, int k);

  /** Writes the graph (the snapshot's payload). */
  void write(DataOutputStream out) throws IOException;
}
