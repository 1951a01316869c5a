package dev.facerec.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which a caller tries the nodes that can answer a request: this node first when it has the
 * role (a cluster of identical nodes ships no image to a neighbour), then the others in a rotating order, so
 * load spreads and a full or dead node is skipped for the next.
 */
public final class Routing {
  private Routing() {}

  public static List<Member> order(List<Member> candidates, String selfId, long turn) {
    List<Member> out = new ArrayList<>(candidates.size());
    List<Member> others = new ArrayList<>(candidates.size());
    for (Member m : candidates) {
      if (m.id().equals(selfId)) {
        out.add(m);
      } else {
        others.add(m);
      }
    }
    int n = others.size();
    for (int i = 0; i < n; i++) {
      out.add(others.get((int) Math.floorMod(turn + i, (long) n)));
    }
    return out;
  }
}
