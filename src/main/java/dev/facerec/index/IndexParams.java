package dev.facerec.index;

/**
 * HNSW tuning for one shard.
 *
 * @param m              links per node on the upper layers (layer 0 keeps up to {@code 2m}); more
 *                       links mean better recall and more memory
 * @param efConstruction candidate list size while inserting; higher builds a better graph, slower
 * @param efSearch       candidate list size while searching (at least k is used); the recall/latency knob
 * @param engine         the HNSW implementation ({@code INDEX_ENGINE})
 */
public record IndexParams(int m, int efConstruction, int efSearch, IndexEngine engine) {

  /** The default engine. */
  public IndexParams(int m, int efConstruction, int efSearch) {
    this(m, efConstruction, efSearch, IndexEngine.PACKED);
  }

  public IndexParams {
    // m = 1 would make hnswlib's level multiplier 1/ln(1) infinite.
    if (m < 2) {
      throw new IllegalArgumentException("m must be >= 2, got " + m);
    }
    if (efConstruction < 1) {
      throw new IllegalArgumentException("efConstruction must be >= 1, got " + efConstruction);
    }
    if (efSearch < 1) {
      throw new IllegalArgumentException("efSearch must be >= 1, got " + efSearch);
    }
    java.util.Objects.requireNonNull(engine, "engine");
  }

  /** Same graph parameters, another search-time candidate list size. */
  public IndexParams withEfSearch(int ef) {
    return new IndexParams(m, efConstruction, ef, engine);
  }
}
