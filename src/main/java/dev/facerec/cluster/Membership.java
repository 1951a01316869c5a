package dev.facerec.cluster;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's view of the service nodes in the cluster and their roles, from the Vert.x node metadata that
 * each node announces (nodes without roles, such as the CLI's lite member, are left out). Without a
 * cluster manager the view holds this node alone: one node is a cluster of one.
 */
public final class Membership {
  private static final long REFRESH_MS = 500;

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final Member self;
  private final Map<String, Member> members = new ConcurrentHashMap<>();
  /** Nodes that announced no roles: not asked again. */
  private final Set<String> others = ConcurrentHashMap.newKeySet();
  private long timer = -1;

  private Membership(Vertx vertx, ClusterManager cluster, Member self) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.self = self;
    members.put(self.id(), self);
  }

  /** A node alone, under a fresh id. */
  public static Membership alone(Vertx vertx, String name, Set<NodeRole> roles) {
    return new Membership(vertx, null, new Member(UUID.randomUUID().toString(), name, roles));
  }

  /** A node of a cluster; call {@link #start()} to follow joins and departures. */
  public static Membership clustered(Vertx vertx, ClusterManager cluster, String name, Set<NodeRole> roles) {
    return new Membership(vertx, cluster, new Member(cluster.getNodeId(), name, roles));
  }

  public void start() {
    if (cluster != null) {
      refresh();
      timer = vertx.setPeriodic(REFRESH_MS, id -> refresh());
    }
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  public boolean clustered() {
    return cluster != null;
  }

  public Member self() {
    return self;
  }

  public String selfId() {
    return self.id();
  }

  /** Every service node known now, sorted by name. */
  public List<Member> members() {
    return members.values().stream().sorted(Comparator.comparing(Member::name).thenComparing(Member::id)).toList();
  }

  public List<Member> withRole(NodeRole role) {
    return members().stream().filter(m -> m.has(role)).toList();
  }

  public Member member(String id) {
    return members.get(id);
  }

  /** A member by id or by name, or null. */
  public Member find(String idOrName) {
    Member m = members.get(idOrName);
    return m != null ? m : members.values().stream().filter(x -> x.name().equals(idOrName)).findFirst().orElse(null);
  }

  /** Re-reads the node list now (also done every half second). */
  public void refresh() {
    if (cluster == null) {
      return;
    }
    Set<String> ids = new HashSet<>(cluster.getNodes());
    members.keySet().removeIf(id -> !ids.contains(id) && !id.equals(self.id()));
    others.retainAll(ids);
    for (String id : ids) {
      if (!members.containsKey(id) && !others.contains(id)) {
        Promise<NodeInfo> info = Promise.promise();
        cluster.getNodeInfo(id, info);
        info.future().onSuccess(ni -> {
          Member m = ni == null ? null : Member.of(id, ni.metadata());
          if (m == null) {
            others.add(id);
          } else if (cluster.getNodes().contains(id)) {
            members.put(id, m);
          }
        });
      }
    }
  }
}
