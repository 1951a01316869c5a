package dev.facerec.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RoutingTest {
  static Member m(String id) {
    return new Member(id, id, Set.of(NodeRole.INFERENCE));
  }

  static List<String> ids(List<Member> l) {
    return l.stream().map(Member::id).toList();
  }

  @Test
  @DisplayName("this node first when it has the role, then the others in a rotating order")
  void localFirstThenRotate() {
    List<Member> all = List.of(m("a"), m("b"), m("self"), m("c"));
    assertEquals(List.of("self", "a", "b", "c"), ids(Routing.order(all, "self", 0)));
    assertEquals(List.of("self", "b", "c", "a"), ids(Routing.order(all, "self", 1)));
    assertEquals(List.of("self", "a", "b", "c"), ids(Routing.order(all, "self", 3)));
  }

  @Test
  @DisplayName("without a local candidate, turns spread the first choice evenly; no candidate gives an empty order")
  void spreadsWithoutLocal() {
    List<Member> all = List.of(m("a"), m("b"));
    assertEquals("a", Routing.order(all, "self", 0).get(0).id());
    assertEquals("b", Routing.order(all, "self", 1).get(0).id());
    assertEquals(List.of("b", "a"), ids(Routing.order(all, "self", -1)));
    assertEquals(List.of(), Routing.order(List.of(), "self", 5));
  }
}
