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
import dev.facerec.tracing.Spans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
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
  private final long hedgeMs;
  private final int minMembers;
  private final ShardTable table = new ShardTable();
  private final java.util.function.Function<String, Future<Integer>> shardCount;
  private final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> load = new java.util.concurrent.ConcurrentHashMap<>();

  /** What a search over every shard of a collection found, and the shards no replica answered for. */
  public record Outcome(List<SearchResult.Hit> hits, List<Integer> missingShards) {}

  private final Tracer tracer;

  /**
   * {@code shardCount}: a collection's shard count from the database, for collections no index node has reported yet;
   * {@code tracer}: a span per search (null: tracing off).
   */
  public IndexClient(Vertx vertx, Membership membership, long ackTimeoutMs, long hedgeMs, int minMembers,
      java.util.function.Function<String, Future<Integer>> shardCount, Tracer tracer) {
    this.tracer = tracer;
    this.minMembers = minMembers;
    this.vertx = vertx;
    this.membership = membership;
    this.ackTimeoutMs = ackTimeoutMs;
    this.hedgeMs = hedgeMs;
    this.shardCount = shardCount;
    vertx.eventBus().<JsonObject>consumer(Addresses.INDEX_SHARDS, m -> table.update(m.body()));
  }

  private List<String> indexNodes() {
    return membership.withRole(NodeRole.INDEX).stream().map(Member::id).toList();
  }

  /**
   * The {@code k} subjects with the nearest faces in the whole collection, one hit each: one search per shard, each to one replica (this
   * node's first, then the least loaded), another replica asked when one has not answered within the hedge
   * delay or failed; the shards' hits merged. Shards no replica answered for are listed, never hidden.
   */
  public Future<Outcome> search(String collection, float[] vector, int k, boolean byCentroid) {
    return Spans.around(tracer, "index search", Attributes.of(TOP_K, (long) k),
        () -> searchShards(collection, vector, k, byCentroid, Spans.capture(tracer)));
  }

  private static final AttributeKey<Long> TOP_K = AttributeKey.longKey("facerec.index.k");

  private Future<Outcome> searchShards(String collection, float[] vector, int k, boolean byCentroid, Context span) {
    if (membership.members().size() < minMembers) {
      // Cut off from the majority: this side cannot vouch for the whole gallery.
      return Future.failedFuture(new FaceException(Failure.INDEX_UNAVAILABLE, "this node is cut off from the cluster majority ("
          + membership.members().size() + " of at least " + minMembers + " members in view)"));
    }
    List<String> nodes = indexNodes();
    table.retain(new java.util.HashSet<>(nodes));
    if (nodes.isEmpty()) {
      return Future.failedFuture(new FaceException(Failure.INDEX_UNAVAILABLE, "no index node is in the cluster"));
    }
    Integer known = table.shards(collection);
    Future<Integer> count = known != null ? Future.succeededFuture(known) : shardCount.apply(collection);
    return count.compose(n -> {
      if (n == null || n == 0) {
        return Future.succeededFuture(new Outcome(List.of(), List.of())); // no such collection: nothing enrolled
      }
      List<Future<SearchResult>> perShard = new ArrayList<>();
      for (int s = 0; s < n; s++) {
        List<String> order = table.candidates(Shards.key(collection, s), membership.selfId(), this::loadOf, nodes);
        perShard.add(hedged(order, new SearchRequest(collection, s, vector, k, byCentroid), span));
      }
      return Future.join(perShard).otherwiseEmpty().map(v -> {
        List<SearchResult.Hit> hits = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int s = 0; s < perShard.size(); s++) {
          if (perShard.get(s).succeeded()) {
            hits.addAll(perShard.get(s).result().hits());
          } else {
            missing.add(s);
          }
        }
        // Shards hold whole subjects: each subject comes from one shard, once.
        hits.sort(byCentroid ? (a, b) -> Float.compare(b.subjectSimilarity(), a.subjectSimilarity())
            : (a, b) -> Float.compare(b.similarity(), a.similarity()));
        return new Outcome(hits.size() > k ? List.copyOf(hits.subList(0, k)) : hits, missing);
      });
    });
  }

  /** Like {@link #search} but fails with INDEX_UNAVAILABLE naming the missing shards, unless {@code allowPartial}. */
  public Future<Outcome> searchAll(String collection, float[] vector, int k, boolean byCentroid, boolean allowPartial) {
    return search(collection, vector, k, byCentroid).compose(o -> o.missingShards().isEmpty() || allowPartial ? Future.succeededFuture(o)
        : Future.failedFuture(new FaceException(Failure.INDEX_UNAVAILABLE, "no replica of shard(s) " + o.missingShards()
            + " of collection '" + collection + "' answered; add allowPartial=true to search the others")
            .withDetails(new JsonObject().put("missingShards", new io.vertx.core.json.JsonArray(o.missingShards())))));
  }

  private int loadOf(String node) {
    java.util.concurrent.atomic.AtomicInteger n = load.get(node);
    return n == null ? 0 : n.get();
  }

  /** Asks the first candidate; every hedge delay without an answer, or on a failure, the next one too. First answer wins. */
  private Future<SearchResult> hedged(List<String> order, SearchRequest req, Context span) {
    io.vertx.core.Promise<SearchResult> result = io.vertx.core.Promise.promise();
    int[] next = {0};
    int[] pending = {0};
    long[] timer = {-1};
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      if (result.future().isComplete()) {
        return;
      }
      if (next[0] >= order.size()) {
        if (pending[0] == 0) {
          result.tryFail(new FaceException(Failure.INDEX_UNAVAILABLE, "no replica of " + Shards.key(req.collection(), req.shard()) + " answered"));
        }
        return;
      }
      String node = order.get(next[0]++);
      pending[0]++;
      java.util.concurrent.atomic.AtomicInteger l = load.computeIfAbsent(node, x -> new java.util.concurrent.atomic.AtomicInteger());
      l.incrementAndGet();
      // Each replica asked (the first, and any hedge) is a message child of the search's span.
      Spans.within(span, () -> vertx.eventBus().<SearchResult>request(Addresses.node(node, Addresses.INDEX_SEARCH), req,
              new DeliveryOptions().setSendTimeout(SEARCH_TIMEOUT_MS)))
          .onComplete(ar -> {
            l.decrementAndGet();
            pending[0]--;
            if (ar.succeeded()) {
              result.tryComplete(ar.result().body());
            } else if (ar.cause() instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE
                && Failure.fromReplyMessage(re.getMessage()) == Failure.MODEL_MISMATCH) {
              result.tryFail(new FaceException(Failure.MODEL_MISMATCH, Failure.detailOf(re.getMessage())));
            } else {
              launch[0].run();
            }
          });
    };
    launch[0].run();
    timer[0] = vertx.setPeriodic(hedgeMs, id -> {
      if (result.future().isComplete() || next[0] >= order.size()) {
        vertx.cancelTimer(id);
      } else {
        launch[0].run();
      }
    });
    return result.future().andThen(ar -> vertx.cancelTimer(timer[0]));
  }

  /** Shard → nodes holding it ready, as this node sees it. */
  public JsonObject placement() {
    return table.view();
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
