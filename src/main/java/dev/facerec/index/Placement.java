package dev.facerec.index;

import java.util.List;

/** Which index nodes hold each shard: Hazelcast's partition table in a cluster, this node alone otherwise. */
public interface Placement {
  /** The Vert.x node ids that should hold {@code collection#shard}, owner first. */
  List<String> holders(String collection, int shard);

  /** How many holders a shard should have now: INDEX_REPLICAS, or fewer while fewer index nodes exist. */
  int copies();

  /** Runs {@code r} whenever the holders may have changed (members came or went, partitions migrated). */
  void onChange(Runnable r);

  void close();

  static Placement alone(String nodeId) {
    return new Placement() {
      @Override
      public List<String> holders(String collection, int shard) {
        return List.of(nodeId);
      }

      @Override
      public int copies() {
        return 1;
      }

      @Override
      public void onChange(Runnable r) {}

      @Override
      public void close() {}
    };
  }
}
