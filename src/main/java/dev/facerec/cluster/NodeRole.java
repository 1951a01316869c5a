package dev.facerec.cluster;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a node deploys: the REST/WebSocket API, inference workers (models), the gallery index. */
public enum NodeRole {
  API, INFERENCE, INDEX;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named by {@code s}, or null. */
  public static NodeRole parse(String s) {
    for (NodeRole r : values()) {
      if (r.wire().equalsIgnoreCase(s)) {
        return r;
      }
    }
    return null;
  }

  /** Roles from their wire names; unknown names are ignored (a newer node's role). */
  public static Set<NodeRole> parseAll(Iterable<?> names) {
    Set<NodeRole> out = EnumSet.noneOf(NodeRole.class);
    for (Object o : names) {
      NodeRole r = o == null ? null : parse(o.toString());
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }
}
