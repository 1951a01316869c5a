package dev.facerec.index;

import org.junit.jupiter.api.DisplayName;

@DisplayName("HnswShard on hnswlib-core's graph")
class HnswlibShardTest extends HnswShardTest {
  @Override
  IndexEngine engine() {
    return IndexEngine.HNSWLIB;
  }
}
