package dev.facerec.index;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexChange;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.cluster.Member;
import dev.facerec.cluster.Membership;
import dev.facerec.cluster.NodeRole;
import dev.facerec.cluster.Routing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller's side of the index replicas. A search goes to one ready replica (this node's first) and moves
 * on to the next when a replica is not ready, gone or too slow. A committed change goes to every index
 * node, and the write is acknowledged once each live replica has applied it or {@code ackTimeoutMs} has
 * passed (the change is durable either way: a late replica catches up from the log).
 */
public final class IndexClient {
  private static final Logger LOG = LoggerFactory.getLogger(IndexClient.class);
  static final long SEARCH_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final Membership membership;
  private final long ackTimeoutMs;
  private final AtomicLong turn = new AtomicLong();

  public IndexClient(Vertx vertx, Membership membership, long ackTimeoutMs) {
    this.vertx = vertx;
    this.membership = membership;
    this.ackTimeoutMs = ackTimeoutMs;
  }

  public Future<SearchResult> search(SearchRequest req) {
    List<Member> order = Routing.order(membership.withRole(NodeRole.INDEX), membership.selfId(), turn.getAndIncrement());
    return attempt(order, 0, req, null);
  }

  private Future<SearchResult> attempt(List<Member> order, int i, SearchRequest req, Throwable last) {
    if (i == order.size()) {
      return Future.failedFuture(new FaceException(Failure.INDEX_UNAVAILABLE, order.isEmpty()
          ? "no index node is in the cluster" : "no index replica could answer (" + order.size() + " tried)"));
    }
    Member m = order.get(i);
    return vertx.eventBus().<SearchResult>request(Addresses.node(m.id(), Addresses.INDEX_SEARCH), req,
            new DeliveryOptions().setSendTimeout(SEARCH_TIMEOUT_MS))
        .map(msg -> msg.body())
        .recover(t -> {
          if (t instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE
              && Failure.fromReplyMessage(re.getMessage()) != Failure.INDEX_UNAVAILABLE) {
            return Future.failedFuture(new FaceException(Failure.fromReplyMessage(re.getMessage()), Failure.detailOf(re.getMessage())));
          }
          return attempt(order, i + 1, req, t);
        });
  }

  /** Sends a committed change to every index node; completes when all live replicas applied it, or at the bound. */
  public Future<Void> publish(IndexChange change) {
    if (change.seq() <= 0) {
      return Future.succeededFuture();
    }
    List<Future<?>> acks = new ArrayList<>();
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(Math.max(1, ackTimeoutMs));
    for (Member m : membership.withRole(NodeRole.INDEX)) {
      acks.add(vertx.eventBus().<JsonObject>request(Addresses.node(m.id(), Addresses.INDEX_APPLY), change, opts)
          .onFailure(t -> LOG.debug("index replica {} did not acknowledge change {}: {}", m.name(), change.seq(), t.toString())));
    }
    if (ackTimeoutMs == 0) {
      return Future.succeededFuture();
    }
    return Future.join(acks).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Every index node's replica status; a node that does not answer is listed with its error. */
  public Future<List<JsonObject>> statuses() {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (Member m : membership.withRole(NodeRole.INDEX)) {
      all.add(vertx.eventBus().<JsonObject>request(Addresses.node(m.id(), Addresses.INDEX_STATUS), new JsonObject(),
              new DeliveryOptions().setSendTimeout(3000))
          .map(msg -> msg.body().put("name", m.name()))
          .otherwise(t -> new JsonObject().put("node", m.id()).put("name", m.name()).put("error", t.getMessage())));
    }
    return Future.join(all).map(v -> all.stream().map(Future::result).toList());
  }

  /** Every index replica rebuilds (one collection or all). */
  public Future<List<JsonObject>> rebuildAll(String collection) {
    List<Future<JsonObject>> all = new ArrayList<>();
    JsonObject cmd = collection == null ? new JsonObject() : new JsonObject().put("collection", collection);
    for (Member m : membership.withRole(NodeRole.INDEX)) {
      all.add(vertx.eventBus().<JsonObject>request(Addresses.node(m.id(), Addresses.INDEX_REBUILD), cmd,
              new DeliveryOptions().setSendTimeout(600_000))
          .map(msg -> msg.body().put("node", m.id()).put("name", m.name()))
          .otherwise(t -> new JsonObject().put("node", m.id()).put("name", m.name()).put("error", t.getMessage())));
    }
    return Future.join(all).map(v -> all.stream().map(Future::result).toList());
  }
}
