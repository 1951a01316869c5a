package dev.facerec.cluster;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.Failure;
import dev.facerec.index.IndexClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator commands on the event bus, on every node. This node's own status and drain answer on its
 * node-scoped addresses; the cluster-wide commands ({@code faces.admin.*}) are taken by any node, which
 * asks every member and collects each answer (a member that does not answer is listed with its error).
 */
public final class AdminVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);
  private final Membership membership;
  private final NodeState state;
  private final IndexClient index;
  private final Supplier<JsonObject> localStatus;
  private final Runnable drain;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  /** {@code localStatus}: this node's queue and index figures; {@code drain}: stops taking work, finishes, leaves. */
  public AdminVerticle(Membership membership, NodeState state, IndexClient index, Supplier<JsonObject> localStatus, Runnable drain) {
    this.membership = membership;
    this.state = state;
    this.index = index;
    this.localStatus = localStatus;
    this.drain = drain;
  }

  @Override
  public Future<?> start() {
    String self = membership.selfId();
    consumers.add(vertx.eventBus().consumer(Addresses.node(self, Addresses.NODE_STATUS), m -> nodeStatus().onComplete(ar -> m.reply(ar.result()))));
    consumers.add(vertx.eventBus().consumer(Addresses.node(self, Addresses.NODE_DRAIN), m -> {
      LOG.warn("drain requested by an operator: this node stops taking work, finishes what is in flight, then leaves");
      m.reply(new JsonObject().put("node", self).put("name", membership.self().name()).put("draining", true));
      drain.run();
    }));
    consumers.add(vertx.eventBus().consumer(Addresses.ADMIN_CLUSTER_STATUS, m -> clusterStatus().onComplete(ar -> m.reply(ar.result()))));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ADMIN_INDEX_REBUILD, this::rebuild));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ADMIN_NODE_DRAIN, this::drainNode));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private Future<JsonObject> nodeStatus() {
    Member me = membership.self();
    JsonObject s = me.toJson().put("ready", state.ready()).put("readiness", state.details()).put("clustered", membership.clustered());
    s.mergeIn(localStatus.get());
    if (!me.has(NodeRole.INDEX)) {
      return Future.succeededFuture(s);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.node(me.id(), Addresses.INDEX_STATUS), new JsonObject(),
            new DeliveryOptions().setSendTimeout(3000).setLocalOnly(true))
        .map(r -> {
          JsonObject i = r.body();
          return s.put("index", new JsonObject().put("ready", i.getBoolean("ready")).put("appliedSeq", i.getLong("appliedSeq"))
              .put("faces", i.getLong("faces")).put("startup", i.getJsonObject("startup")).put("building", i.getJsonArray("building"))
              .put("collections", checksums(i.getJsonArray("collections"))).put("shards", i.getJsonArray("shards")));
        })
        .otherwise(t -> s.put("index", new JsonObject().put("error", t.getMessage())));
  }

  private static JsonArray checksums(JsonArray collections) {
    JsonArray out = new JsonArray();
    collections.forEach(o -> {
      JsonObject c = (JsonObject) o;
      out.add(new JsonObject().put("collection", c.getString("collection")).put("size", c.getInteger("size")).put("checksum", c.getString("checksum")));
    });
    return out;
  }

  /** Every member's status, and whether every index replica holds the same content. */
  private Future<JsonObject> clusterStatus() {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (Member m : membership.members()) {
      all.add(vertx.eventBus().<JsonObject>request(Addresses.node(m.id(), Addresses.NODE_STATUS), new JsonObject(),
              new DeliveryOptions().setSendTimeout(5000))
          .map(r -> r.body())
          .otherwise(t -> m.toJson().put("ready", false).put("error", t.getMessage())));
    }
    return Future.join(all).otherwiseEmpty().map(v -> {
      JsonArray members = new JsonArray();
      all.forEach(f -> members.add(f.result()));
      JsonArray unheard = unheardIndexMembers(members);
      return new JsonObject().put("members", members).put("replicasAgree", unheard.isEmpty() && replicasAgree(members))
          .put("unheard", unheard).put("shards", shardMap(members)).put("answeredBy", membership.self().name());
    });
  }

  /**
   * Index members whose status did not come back (the node, or its index, did not answer in time): their copies
   * cannot be compared, so the cluster's replicas are not known to agree while any is listed.
   */
  static JsonArray unheardIndexMembers(JsonArray members) {
    JsonArray out = new JsonArray();
    for (Object o : members) {
      JsonObject m = (JsonObject) o;
      boolean index = m.getJsonArray("roles", new JsonArray()).contains(NodeRole.INDEX.wire());
      JsonObject idx = m.getJsonObject("index");
      if (index && (m.containsKey("error") || idx == null || idx.containsKey("error"))) {
        out.add(m.getString("name"));
      }
    }
    return out;
  }

  /** True when every index replica that answered is at the same position and every copy of a shard has the same checksum. */
  static boolean replicasAgree(JsonArray members) {
    Long seq = null;
    java.util.Map<String, String> sums = new java.util.HashMap<>();
    for (Object o : members) {
      JsonObject idx = ((JsonObject) o).getJsonObject("index");
      if (idx == null || idx.containsKey("error")) {
        continue;
      }
      if (seq != null && !seq.equals(idx.getLong("appliedSeq"))) {
        return false;
      }
      seq = idx.getLong("appliedSeq");
      for (Object s : idx.getJsonArray("shards", new JsonArray())) {
        JsonObject shard = (JsonObject) s;
        String before = sums.putIfAbsent(shard.getString("shard"), shard.getString("checksum"));
        if (before != null && !before.equals(shard.getString("checksum"))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Shard → the members holding it, with each copy's size and checksum, and the position of the member. */
  static JsonObject shardMap(JsonArray members) {
    java.util.Map<String, JsonArray> out = new java.util.TreeMap<>();
    for (Object o : members) {
      JsonObject m = (JsonObject) o;
      JsonObject idx = m.getJsonObject("index");
      if (idx == null || idx.containsKey("error")) {
        continue;
      }
      for (Object s : idx.getJsonArray("shards", new JsonArray())) {
        JsonObject shard = (JsonObject) s;
        out.computeIfAbsent(shard.getString("shard"), k -> new JsonArray()).add(new JsonObject().put("member", m.getString("name"))
            .put("appliedSeq", idx.getLong("appliedSeq")).put("size", shard.getInteger("size")).put("checksum", shard.getString("checksum")));
      }
    }
    JsonObject j = new JsonObject();
    out.forEach(j::put);
    return j;
  }

  private void rebuild(Message<JsonObject> msg) {
    String collection = msg.body() == null ? null : msg.body().getString("collection");
    index.rebuildAll(collection).onComplete(ar -> {
      JsonArray nodes = new JsonArray(new ArrayList<>(ar.result()));
      boolean failed = ar.result().stream().anyMatch(j -> j.containsKey("error"));
      if (ar.result().isEmpty()) {
        msg.fail(Failure.INDEX_UNAVAILABLE.httpStatus(), Failure.INDEX_UNAVAILABLE.replyMessage("no index node is in the cluster"));
      } else {
        msg.reply(new JsonObject().put("nodes", nodes).put("ok", !failed));
      }
    });
  }

  private void drainNode(Message<JsonObject> msg) {
    String which = msg.body() == null ? null : msg.body().getString("node");
    Member m = which == null ? null : membership.find(which);
    if (m == null) {
      msg.fail(404, Failure.NODE_NOT_FOUND.replyMessage("no cluster member named '" + which + "'"));
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.node(m.id(), Addresses.NODE_DRAIN), new JsonObject(), new DeliveryOptions().setSendTimeout(5000))
        .onSuccess(r -> msg.reply(r.body()))
        .onFailure(t -> msg.fail(503, Failure.NODE_UNAVAILABLE.replyMessage("node " + m.name() + " did not answer: " + t.getMessage())));
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
  }
}
