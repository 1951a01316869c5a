package dev.facerec.index;

import org.junit.jupiter.api.DisplayName;

@DisplayName("HnswShard on the packed graph (the default engine)")
class PackedShardTest extends HnswShardTest {
  @Override
  IndexEngine engine() {
    return IndexEngine.PACKED;
  }
}
