package dev.facerec.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeProcessTest {
  /**
   * ShardedClusterIT drops every packet whose source port is in s3's outbound range: a node of the other side
   * listening inside it lost its connections too (s2's event-bus port there left s1 reporting every shard on s1 alone).
   */
  @Test
  void aPortRangeHoldsNoPortHandedOutBeforeOrAfter() {
    List<Integer> before = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      before.add(NodeProcess.freePort());
      before.add(NodeProcess.freePortPair(200));
    }
    int start = NodeProcess.freePortRange(50);
    for (int p = start; p < start + 50; p++) {
      assertTrue(NodeProcess.TAKEN.contains(p), p + " of the range is not reserved");
    }
    before.forEach(p -> assertFalse(p >= start && p < start + 50, p + " was handed out before and is in the range " + start));
    for (int i = 0; i < 50; i++) {
      int p = NodeProcess.freePort();
      assertFalse(p >= start && p < start + 50, p + " handed out inside the reserved range " + start);
    }
  }
}
