package dev.facerec.index;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.partition.InternalPartition;
import com.hazelcast.internal.partition.PartitionReplica;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import dev.facerec.cluster.ClusterSetup;
import dev.facerec.config.AppConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index grid: a second Hazelcast cluster whose members are exactly the index nodes, so that its
 * partition table places shards on index nodes only. A shard {@code collection#s} maps to the Hazelcast
 * partition of that key; the partition's owner and first backups (INDEX_REPLICAS members, never two on one
 * member) hold the shard's graph. Migrations and membership changes tell each member to build or drop
 * replicas. Reading the backups needs Hazelcast's internal partition table: the public API exposes only
 * the owner.
 */
public final class IndexGrid implements Placement {
  private static final Logger LOG = LoggerFactory.getLogger(IndexGrid.class);
  static final String NODE_ATTRIBUTE = "facerec.node";

  private final HazelcastInstance hz;
  private final int replicas;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private IndexGrid(HazelcastInstance hz, int replicas) {
    this.hz = hz;
    this.replicas = replicas;
  }

  /** Joins (or forms) the grid on {@code CLUSTER_PORT + INDEX_GRID_PORT_OFFSET}, the members being CLUSTER_MEMBERS at the same offset. */
  public static IndexGrid start(AppConfig.Cluster c, int portOffset, String nodeId, int replicas) {
    AppConfig.Cluster shifted = new AppConfig.Cluster(c.enabled(), c.configFile(),
        c.members().stream().map(m -> shift(m, c.port(), portOffset)).toList(), c.host(), c.port() + portOffset, c.busPort(),
        c.publicHost(), c.nodeName(), c.roles(), c.minMembers(), c.outboundPorts());
    Config cfg = ClusterSetup.hazelcast(shifted, false);
    cfg.setClusterName("facerec-index");
    cfg.setInstanceName("facerec-index-" + nodeId);
    cfg.setMemberAttributeConfig(new MemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, nodeId));
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    LOG.info("index grid: joining on port {} with {}", c.port() + portOffset, join.getTcpIpConfig().getMembers());
    IndexGrid grid = new IndexGrid(Hazelcast.newHazelcastInstance(cfg), replicas);
    grid.listen();
    grid.recheck.scheduleWithFixedDelay(grid::recheck, RECHECK_MS, RECHECK_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    return grid;
  }

  static String shift(String member, int basePort, int offset) {
    int colon = member.lastIndexOf(':');
    if (colon < 0) {
      return member + ":" + (basePort + offset);
    }
    return member.substring(0, colon) + ":" + (Integer.parseInt(member.substring(colon + 1)) + offset);
  }

  private void listen() {
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        fire();
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        fire();
      }
    });
    hz.getPartitionService().addMigrationListener(new MigrationListener() {
      @Override
      public void migrationStarted(MigrationState state) {}

      @Override
      public void migrationFinished(MigrationState state) {
        fire();
      }

      @Override
      public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
        fire();
      }

      @Override
      public void replicaMigrationFailed(ReplicaMigrationEvent event) {
        fire();
      }
    });
    // A partition that lost all its replicas held shards of a dead member: they are placed anew and rebuilt
    // from PostgreSQL. Hazelcast reports each partition; the resulting builds are what the index log shows.
    hz.getPartitionService().addPartitionLostListener(e -> {
      LOG.debug("index grid: partition {} lost {} replica(s)", e.getPartitionId(), e.getLostBackupCount() + 1);
      fire();
    });
  }

  /**
   * Placements computed while the partition table was settling (backups not yet assigned on this member) can
   * leave a shard with fewer holders than wanted, and not every table change reaches every member as an event:
   * the cached placements are recomputed every {@value #RECHECK_MS} ms and the holders told when one differs.
   */
  private void recheck() {
    try {
      for (var e : placements.entrySet()) {
        if (!place(e.getKey(), e.getValue().size()).equals(e.getValue())) {
          LOG.info("index grid: the placement of '{}' changed with no event (the partition table settled); reconciling", e.getKey());
          fire();
          return;
        }
      }
    } catch (RuntimeException ex) { // a member leaving mid-computation: the next round sees a settled table
      LOG.debug("index grid: placement recheck: {}", ex.toString());
    }
  }

  static final long RECHECK_MS = 2000;
  private final java.util.concurrent.ScheduledExecutorService recheck = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "index-grid-recheck");
    t.setDaemon(true);
    return t;
  });

  private void fire() {
    placements.clear();
    listeners.forEach(Runnable::run);
  }

  /** Candidate partitions per shard: the one whose replica set evens out the members' load is used. */
  static final int CHOICES = 16;
  private final java.util.Map<String, List<List<String>>> placements = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void onChange(Runnable r) {
    listeners.add(r);
  }

  /**
   * The holders of shard {@code s}. Six shards hashed onto 271 partitions can land unevenly (one member owning
   * most of them), so each shard has {@value #CHOICES} candidate keys ({@code collection#s#k}), and the shards of
   * a collection take, in order, the candidate whose Hazelcast replica set (owner and backups) loads the members
   * most evenly. Every member computes the same from the same partition table; a changed table may move a
   * shard, which is safe (a replica is dropped only once its new holders are ready).
   */
  @Override
  public List<String> holders(String collection, int shard) {
    List<List<String>> all = placements.get(collection);
    if (all == null || shard >= all.size()) {
      all = place(collection, Math.max(shard + 1, all == null ? 0 : all.size()));
      placements.put(collection, all);
    }
    return all.get(shard);
  }

  @Override
  public int copies() {
    return Math.min(replicas, size());
  }

  private List<List<String>> place(String collection, int shards) {
    int want = copies();
    java.util.Map<String, Integer> load = new java.util.HashMap<>();
    List<List<String>> out = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      List<String> best = null;
      int bestScore = Integer.MAX_VALUE;
      for (int k = 0; k < CHOICES; k++) {
        List<String> replicas = replicasOf(Shards.key(collection, s) + "#" + k);
        // A partition whose backups are not assigned yet (a migration under way) gives fewer holders: least wanted.
        int score = Math.max(0, want - replicas.size()) * 1_000_000
            + replicas.stream().mapToInt(n -> load.getOrDefault(n, 0)).max().orElse(0) * 1000
            + replicas.stream().mapToInt(n -> load.getOrDefault(n, 0)).sum();
        if (best == null || score < bestScore) {
          best = replicas;
          bestScore = score;
        }
      }
      best.forEach(n -> load.merge(n, 1, Integer::sum));
      out.add(best);
    }
    return out;
  }

  private List<String> replicasOf(String key) {
    com.hazelcast.partition.Partition p = hz.getPartitionService().getPartition(key);
    p.getOwner(); // assigns the partition table on first use
    InternalPartition internal = ((HazelcastInstanceProxy) hz).getOriginal().node.getPartitionService().getPartition(p.getPartitionId());
    List<String> out = new ArrayList<>(replicas);
    for (int i = 0; i < Math.min(replicas, InternalPartition.MAX_REPLICA_COUNT); i++) {
      PartitionReplica r = internal.getReplica(i);
      if (r == null) {
        break;
      }
      String node = nodeOf(r.uuid());
      if (node != null && !out.contains(node)) {
        out.add(node);
      }
    }
    return out;
  }

  private String nodeOf(UUID member) {
    for (Member m : hz.getCluster().getMembers()) {
      if (m.getUuid().equals(member)) {
        return m.getAttribute(NODE_ATTRIBUTE);
      }
    }
    return null;
  }

  /** Index nodes in the grid now. */
  public int size() {
    return hz.getCluster().getMembers().size();
  }

  @Override
  public void close() {
    recheck.shutdownNow();
    try {
      hz.shutdown();
    } catch (RuntimeException e) {
      LOG.debug("index grid shutdown: {}", e.toString());
    }
  }
}
