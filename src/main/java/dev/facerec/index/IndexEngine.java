package dev.facerec.index;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The HNSW implementation behind a shard ({@code INDEX_ENGINE}). Both build the same kind of graph with the same M
 * and efConstruction and give the same recall (docs/benchmarks.md); they differ in how the graph sits in memory.
 */
public enum IndexEngine {
  /** {@link PackedGraph}: vectors and links in a few primitive arrays, searches take no lock. The default. */
  PACKED("packed"),
  /** hnswlib-core's {@code HnswIndex}: an object per node, boxed distances, a monitor per visited node. */
  HNSWLIB("hnswlib-core");

  private final String configName;

  IndexEngine(String configName) {
    this.configName = configName;
  }

  /** The name in configuration, logs and snapshot headers. */
  public String configName() {
    return configName;
  }

  /** The engine with this configuration name. */
  public static IndexEngine of(String name) {
    for (IndexEngine e : values()) {
      if (e.configName.equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown index engine '" + name + "', expected one of "
        + Arrays.stream(values()).map(IndexEngine::configName).collect(Collectors.joining(", ")));
  }
}
