package dev.facerec.index;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexChange;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.store.GalleryStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of the gallery index, kept in step with PostgreSQL through the change log. At start
 * it loads its snapshots and replays the log from the position they were saved at (or, with no usable
 * snapshot or a log pruned past it, reads every collection in one consistent snapshot); then it applies
 * each change published by a writer, in sequence order, filling any gap from the log, and polls the log
 * once a second for changes it was not sent. Searches are answered only once the replica is ready. One
 * worker instance: changes and snapshots never interleave. Searches are taken by an event-loop verticle of their own
 * and run on {@code INDEX_SEARCH_THREADS} threads, concurrently with each other and with the changes ({@link HnswShard}
 * allows both), so a batch of changes being applied does not hold them up.
 */
public final class IndexVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(IndexVerticle.class);
  private static final int PAGE = 1000;
  private static final long POLL_MS = 1000;

  private final String nodeId;
  private final String nodeName;
  private final Placement placement;
  private final ShardTable table = new ShardTable();
  private final java.util.function.Supplier<java.util.Set<String>> indexMembers;
  private final java.util.Set<String> building = new java.util.HashSet<>();
  private io.vertx.core.Context context;
  private boolean reconciling;
  private int shardsSeen;
  private final IndexParams params;
  private final GalleryStore store;
  private final IndexSnapshots snapshots;
  private final String modelId;
  private final int dimension;
  private final int snapshotIntervalSeconds;
  private final long changeLogRetention;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  /** Writers waiting for their change to be applied here, by sequence number. */
  private final TreeMap<Long, List<Message<IndexChange>>> waiting = new TreeMap<>();
  private volatile Replica replica;
  private String dispatcher;
  private volatile boolean ready;
  private volatile long appliedSeq;
  private JsonObject startup = new JsonObject().put("mode", "loading");
  private Future<Void> catchingUp;
  private final int searchThreads;
  private io.vertx.core.WorkerExecutor searchers;

  public IndexVerticle(String nodeId, String nodeName, Placement placement, java.util.function.Supplier<java.util.Set<String>> indexMembers,
      IndexParams params, int snapshotIntervalSeconds, long changeLogRetention, GalleryStore store,
      Path snapshotDir, String modelId, int dimension, int searchThreads) {
    this.searchThreads = searchThreads;
    this.nodeId = nodeId;
    this.nodeName = nodeName;
    this.placement = placement;
    this.indexMembers = indexMembers;
    this.params = params;
    this.snapshotIntervalSeconds = snapshotIntervalSeconds;
    this.changeLogRetention = changeLogRetention;
    this.store = store;
    this.snapshots = new IndexSnapshots(snapshotDir);
    this.modelId = modelId;
    this.dimension = dimension;
  }

  /** Null when the replica serves searches, else why not. */
  public String notReadyReason() {
    return ready ? null : "index loading or catching up";
  }

  public long appliedSeq() {
    return appliedSeq;
  }

  @Override
  public Future<?> start() {
    searchers = vertx.createSharedWorkerExecutor("facerec-index-search-" + nodeId, searchThreads);
    context = vertx.getOrCreateContext();
    consumers.add(vertx.eventBus().consumer(Addresses.node(nodeId, Addresses.INDEX_STATUS), m -> m.reply(status())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.INDEX_SHARDS, m -> table.update(m.body())));
    long t0 = System.nanoTime();
    return load()
        .compose(v -> catchUp())
        .compose(v -> {
          consumers.add(vertx.eventBus().<IndexChange>consumer(Addresses.node(nodeId, Addresses.INDEX_APPLY), this::apply));
          consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.node(nodeId, Addresses.INDEX_REBUILD), this::rebuild));
          // Searches are taken on an event loop of their own, not behind the changes this context applies.
          Future<String> searches = vertx.deployVerticle(new io.vertx.core.VerticleBase() {
            @Override
            public Future<?> start() {
              return vertx.eventBus().<SearchRequest>consumer(Addresses.node(nodeId, Addresses.INDEX_SEARCH), IndexVerticle.this::search)
                  .completion();
            }
          }).onSuccess(id -> dispatcher = id);
          return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).compose(x -> searches);
        })
        // Registered now, so every later commit is sent to us: one more pass covers the ones before.
        .compose(v -> catchUp())
        .onSuccess(v -> {
          long replayed = replica.applied() - startup.getLong("fromSeq", replica.applied());
          startup.put("replayed", replayed).put("millis", (System.nanoTime() - t0) / 1_000_000);
          ready = true;
          timers.add(vertx.setPeriodic(POLL_MS, id -> poll()));
          if (snapshotIntervalSeconds > 0) {
            timers.add(vertx.setPeriodic(snapshotIntervalSeconds * 1000L, id -> saveSnapshots()));
          }
          timers.add(vertx.setPeriodic(60_000, id -> store.pruneChangeLog(changeLogRetention)
              .onSuccess(n -> { if (n > 0) LOG.info("change log: pruned {} entries", n); })));
          timers.add(vertx.setPeriodic(1000, id -> {
            gossip();
            reconcile();
          }));
          placement.onChange(() -> context.runOnContext(x -> reconcile()));
          gossip();
          LOG.info("index ready: {} shard(s) of {} collection(s), change log at {} ({})", replica.shards().size(), replica.counts().size(),
              replica.applied(), startup.encode());
        });
  }

  /** Snapshots and the replay position, or a consistent read of each shard when replay is impossible. */
  private Future<Void> load() {
    long saved = snapshots.loadState();
    return Future.all(store.collectionShards(), store.currentSeq(), store.oldestChange()).compose(all -> {
      java.util.Map<String, Integer> counts = all.resultAt(0);
      long current = all.resultAt(1);
      Long oldest = all.resultAt(2);
      boolean replayable = saved >= 0 && saved <= current && (oldest == null ? saved == current : oldest <= saved + 1);
      replica = new Replica(modelId, dimension, params, replayable ? saved : current, counts, this::assigned);
      startup = new JsonObject().put("mode", replayable ? "catch-up" : "rebuild").put("fromSeq", replayable ? saved : current)
          .put("snapshotSeq", saved).put("built", 0);
      Future<Void> chain = Future.succeededFuture();
      for (String key : wanted()) {
        chain = chain.compose(v -> loadShard(key, replayable));
      }
      return chain;
    });
  }

  private static String collectionOf(String key) {
    return key.substring(0, key.lastIndexOf('#'));
  }

  private static int shardOf(String key) {
    return Integer.parseInt(key.substring(key.lastIndexOf('#') + 1));
  }

  /** Whether this node should hold shard {@code key} now. */
  private boolean assigned(String key) {
    return placement.holders(collectionOf(key), shardOf(key)).contains(nodeId);
  }

  /** The shard keys this node should hold now. */
  private List<String> wanted() {
    List<String> out = new ArrayList<>();
    replica.counts().forEach((c, n) -> {
      for (int s = 0; s < n; s++) {
        if (placement.holders(c, s).contains(nodeId)) {
          out.add(Shards.key(c, s));
        }
      }
    });
    return out;
  }

  private Future<Void> loadShard(String key, boolean replayable) {
    HnswShard loaded = snapshots.loadOrNull(key, modelId, dimension, params);
    if (replayable && loaded != null) {
      replica.put(key, loaded);
      LOG.info("index {}: snapshot loaded, {} faces", key, loaded.size());
      return Future.succeededFuture();
    }
    // A consistent read at some position >= the replay start: replaying older changes onto it is harmless.
    String collection = collectionOf(key);
    return store.consistentEmbeddings(collection, shardOf(key), replica.counts().get(collection)).map(c -> {
      List<IndexedFace> truth = c.embeddings().stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList();
      HnswShard s = loaded;
      if (s == null) {
        s = new HnswShard(key, modelId, dimension, params);
        s.addAll(truth);
        LOG.info("index {}: built from the database, {} faces", key, s.size());
      } else {
        ReconcileResult r = s.reconcile(truth);
        LOG.info("index {}: snapshot reconciled with the database, {} faces (+{} -{})", key, s.size(), r.added(), r.removed());
      }
      replica.put(key, s);
      replica.markDirty(key);
      startup.put("built", startup.getInteger("built") + 1);
      return null;
    });
  }

  /**
   * Brings the shards held in line with the placement: builds the ones this node should hold (from a
   * consistent read of PostgreSQL, then the change log) and drops the ones it should not, but only once every
   * node placed for such a shard reports it ready, so replication never drops while a shard moves.
   */
  private void reconcile() {
    if (!ready || reconciling) {
      return;
    }
    reconciling = true;
    try {
      table.retain(indexMembers.get());
      List<String> wanted = wanted();
      for (String key : wanted) {
        if (replica.shard(key) == null && building.add(key)) {
          buildShard(key);
        }
      }
      for (String key : List.copyOf(replica.shards().keySet())) {
        if (wanted.contains(key)) {
          continue;
        }
        List<String> holders = placement.holders(collectionOf(key), shardOf(key));
        // Dropped only once a full set of new holders serves it: never fewer copies than wanted, even mid-migration.
        if (holders.size() >= placement.copies() && holders.stream().allMatch(h -> table.readyOn(h, key))) {
          replica.drop(key);
          try {
            snapshots.delete(key);
          } catch (java.io.IOException e) {
            LOG.debug("index {}: snapshot not deleted: {}", key, e.toString());
          }
          LOG.info("index {}: replica dropped, held now by {}", key, holders);
          gossip();
        }
      }
    } finally {
      reconciling = false;
    }
  }

  private void buildShard(String key) {
    long t0 = System.nanoTime();
    long[] sum = new long[1];
    fromDatabase(key, sum)
        .map(done -> {
          if (assigned(key) && replica.shard(key) == null) {
            replica.put(key, done, sum[0]);
            replica.markDirty(key);
            LOG.info("index {}: replica built, {} faces, at change {} in {} ms", key, done.size(), replica.applied(),
                (System.nanoTime() - t0) / 1_000_000);
          }
          return null;
        })
        .onComplete(ar -> {
          building.remove(key);
          if (ar.failed()) {
            LOG.warn("index {}: replica build failed, retried: {}", key, ar.cause().getMessage());
          }
          gossip();
        });
  }

  /** Tells every node which shards this replica holds ready, and where the placement puts each shard. */
  private void gossip() {
    if (replica == null) {
      return;
    }
    JsonObject counts = new JsonObject();
    JsonObject placed = new JsonObject();
    replica.counts().forEach((c, n) -> {
      counts.put(c, n);
      for (int s = 0; s < n; s++) {
        placed.put(Shards.key(c, s), new JsonArray(placement.holders(c, s)));
      }
    });
    JsonObject report = new JsonObject().put("node", nodeId).put("name", nodeName).put("appliedSeq", replica.applied())
        .put("counts", counts).put("ready", ready ? new JsonArray(new ArrayList<>(replica.shards().keySet())) : new JsonArray())
        .put("placement", placed);
    table.update(report);
    vertx.eventBus().publish(Addresses.INDEX_SHARDS, report);
  }

  /** Reads the log from the replica's position until nothing is left; one pass at a time. */
  private Future<Void> catchUp() {
    if (catchingUp != null) {
      return catchingUp;
    }
    Promise<Void> done = Promise.promise();
    catchingUp = done.future();
    page(done);
    return done.future().andThen(ar -> catchingUp = null);
  }

  private void page(Promise<Void> done) {
    long from = replica.applied();
    store.changesSince(from, PAGE).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("index: cannot read the change log after {}: {}", from, ar.cause().getMessage());
        done.fail(ar.cause());
        return;
      }
      ar.result().forEach(replica::offer);
      changed();
      if (ar.result().size() == PAGE && replica.applied() > from) {
        page(done);
      } else {
        done.complete();
      }
    });
  }

  private void poll() {
    if (catchingUp != null) {
      return;
    }
    store.currentSeq().onSuccess(seq -> {
      if (seq > replica.applied()) {
        catchUp();
      }
    });
  }

  private void apply(Message<IndexChange> msg) {
    IndexChange c = msg.body();
    replica.offer(c);
    if (replica.applied() < c.seq()) {
      waiting.computeIfAbsent(c.seq(), s -> new ArrayList<>()).add(msg);
      catchUp();
    } else {
      msg.reply(new JsonObject().put("seq", replica.applied()));
    }
    changed();
  }

  /** After the replica moved: answer the writers whose change is now applied. */
  private void changed() {
    appliedSeq = replica.applied();
    if (ready && shardsSeen != replica.shards().size()) {
      shardsSeen = replica.shards().size();
      gossip(); // a new collection's shards: api nodes learn where they are at once
    }
    var done = waiting.headMap(replica.applied(), true);
    done.values().forEach(list -> list.forEach(m -> m.reply(new JsonObject().put("seq", replica.applied()))));
    done.clear();
  }

  private void search(Message<SearchRequest> msg) {
    if (!ready) {
      msg.fail(Failure.INDEX_UNAVAILABLE.httpStatus(), Failure.INDEX_UNAVAILABLE.replyMessage("this replica is not ready"));
      return;
    }
    SearchRequest req = msg.body();
    HnswShard shard = replica.shard(req.collection(), req.shard());
    if (shard == null) {
      if (!replica.counts().containsKey(req.collection())) {
        msg.reply(new SearchResult(List.of(), replica.applied())); // no face was ever added to it
      } else {
        msg.fail(Failure.INDEX_UNAVAILABLE.httpStatus(), Failure.INDEX_UNAVAILABLE.replyMessage(
            "shard " + Shards.key(req.collection(), req.shard()) + " is not held here"));
      }
      return;
    }
    if (shard.size() == 0) {
      msg.reply(new SearchResult(List.of(), replica.applied()));
      return;
    }
    if (req.vector().length != shard.dimension()) {
      msg.fail(Failure.MODEL_MISMATCH.httpStatus(), Failure.MODEL_MISMATCH.replyMessage(
          "collection '" + req.collection() + "' holds " + shard.dimension() + "-d embeddings of " + shard.modelId()));
      return;
    }
    // The position before the search: the graph searched holds at least every change up to it.
    long applied = replica.applied();
    searchers.executeBlocking(() -> shard.searchSubjects(req.vector(), req.k(), req.byCentroid()).stream()
            .map(h -> new SearchResult.Hit(h.faceId(), h.subjectId(), h.similarity(), h.subjectSimilarity()))
            .toList(), false)
        .onSuccess(hits -> msg.reply(new SearchResult(hits, applied)))
        .onFailure(t -> {
          LOG.error("index: search of {} failed", Shards.key(req.collection(), req.shard()), t);
          msg.fail(Failure.INTERNAL.httpStatus(), Failure.INTERNAL.replyMessage("the index search failed"));
        });
  }

  /**
   * Rebuilds collections from PostgreSQL while the current graphs keep serving: each new graph is built on
   * another thread from a consistent read, brought up to the replica's position from the log, then swapped in.
   */
  private void rebuild(Message<JsonObject> msg) {
    String only = msg.body() == null ? null : msg.body().getString("collection");
    JsonArray done = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (String key : new java.util.TreeSet<>(replica.shards().keySet())) {
      String collection = collectionOf(key);
      if (only != null && !only.equals(collection)) {
        continue;
      }
      chain = chain.compose(v -> rebuildOne(key).map(size -> {
        done.add(new JsonObject().put("collection", collection).put("shard", key).put("size", size).put("checksum", replica.checksum(key)));
        return null;
      }));
    }
    chain.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject().put("rebuilt", merged(done)).put("shards", done).put("appliedSeq", replica.applied()));
      } else {
        LOG.error("index rebuild failed", ar.cause());
        msg.fail(Failure.DATABASE_UNAVAILABLE.httpStatus(), Failure.DATABASE_UNAVAILABLE.replyMessage("rebuild failed: " + ar.cause().getMessage()));
      }
    });
  }

  /** Per collection: the faces this replica holds of it. */
  private static JsonArray merged(JsonArray shards) {
    java.util.Map<String, Integer> sizes = new java.util.TreeMap<>();
    shards.forEach(o -> sizes.merge(((JsonObject) o).getString("collection"), ((JsonObject) o).getInteger("size"), Integer::sum));
    JsonArray out = new JsonArray();
    sizes.forEach((c, n) -> out.add(new JsonObject().put("collection", c).put("size", n)));
    return out;
  }

  private Future<Integer> rebuildOne(String key) {
    long[] sum = new long[1];
    return fromDatabase(key, sum).map(shard -> {
      replica.put(key, shard, sum[0]);
      replica.markDirty(key);
      saveSnapshots();
      LOG.info("index {}: rebuilt on admin command, {} faces, at change {}", key, shard.size(), replica.applied());
      return shard.size();
    });
  }

  /**
   * A new graph of shard {@code key}: its faces read in one consistent snapshot of PostgreSQL, built on another
   * thread while the current graph keeps serving, then brought level with this replica from the change log.
   * Its checksum is left in {@code sum[0]}.
   */
  private Future<HnswShard> fromDatabase(String key, long[] sum) {
    String collection = collectionOf(key);
    return store.consistentEmbeddings(collection, shardOf(key), replica.counts().get(collection))
        .compose(c -> vertx.executeBlocking(() -> {
          HnswShard shard = new HnswShard(key, modelId, dimension, params);
          shard.addAll(c.embeddings().stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList());
          sum[0] = Replica.checksumOf(shard);
          return shard;
        }, false).compose(shard -> replayOnto(shard, c.seq(), sum)));
  }

  /** Applies the shard's changes in (from, replica position] to a new graph, until it is level with the replica. */
  private Future<HnswShard> replayOnto(HnswShard shard, long from, long[] sum) {
    if (from >= replica.applied()) {
      return Future.succeededFuture(shard);
    }
    return store.changesSince(from, PAGE).compose(list -> {
      long last = from;
      for (IndexChange c : list) {
        if (c.seq() > replica.applied()) {
          break; // not applied by the replica yet: it will be, onto the new shard
        }
        if (collectionOf(shard.collection()).equals(c.collection())) {
          Replica.applyTo(shard.collection(), shard, sum, c);
        }
        last = c.seq();
      }
      return last == from ? Future.succeededFuture(shard) : replayOnto(shard, last, sum);
    });
  }

  private JsonObject status() {
    JsonArray list = new JsonArray();
    JsonArray shardList = new JsonArray();
    long faces = 0;
    if (replica != null) {
      java.util.Map<String, long[]> perCollection = new java.util.TreeMap<>();
      for (String key : new java.util.TreeSet<>(replica.shards().keySet())) {
        HnswShard s = replica.shard(key);
        String collection = collectionOf(key);
        faces += s.size();
        long[] agg = perCollection.computeIfAbsent(collection, c -> new long[4]);
        agg[0] += s.size();
        agg[1] += s.estimatedMemoryBytes();
        agg[2] += Long.parseUnsignedLong(replica.checksum(key), 16);
        agg[3]++;
        shardList.add(new JsonObject().put("shard", key).put("collection", collection).put("size", s.size())
            .put("checksum", replica.checksum(key)).put("snapshotAt", s.snapshotTime() == null ? null : s.snapshotTime().toString()));
      }
      perCollection.forEach((c, agg) -> list.add(new JsonObject()
          .put("collection", c)
          .put("shards", replica.counts().getOrDefault(c, 1))
          .put("heldShards", agg[3])
          .put("size", agg[0])
          .put("checksum", java.util.HexFormat.of().toHexDigits(agg[2]))
          .put("dimension", dimension)
          .put("modelId", modelId)
          .put("m", params.m())
          .put("efConstruction", params.efConstruction())
          .put("efSearch", params.efSearch())
          .put("estimatedMemoryBytes", agg[1])));
    }
    return new JsonObject().put("node", nodeId).put("name", nodeName).put("ready", ready)
        .put("appliedSeq", replica == null ? null : replica.applied())
        .put("gap", replica != null && replica.hasGap()).put("faces", faces).put("building", new JsonArray(new ArrayList<>(building)))
        .put("startup", startup.copy()).put("modelId", modelId).put("dimension", dimension).put("collections", list)
        .put("shards", shardList).put("placement", table.view());
  }

  private void saveSnapshots() {
    if (replica == null) {
      return;
    }
    long seq = replica.applied(); // every collection file written now reflects at least this position
    boolean ok = true;
    for (String c : replica.takeDirty()) {
      HnswShard s = replica.shard(c);
      if (s != null && !saveQuietly(s)) {
        replica.markDirty(c);
        ok = false;
      }
    }
    if (ok) {
      try {
        snapshots.saveState(seq);
      } catch (java.io.IOException | RuntimeException e) {
        LOG.warn("index: cannot record the snapshot position: {}", e.toString());
      }
    }
  }

  /** A failed snapshot is not fatal: the database stays the truth and the next start replays or rebuilds. */
  private boolean saveQuietly(HnswShard shard) {
    try {
      snapshots.save(shard);
      return true;
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("index {}: snapshot failed: {}", shard.collection(), e.toString());
      return false;
    }
  }

  @Override
  public Future<?> stop() {
    ready = false;
    Future<?> searches = dispatcher == null ? Future.succeededFuture() : vertx.undeploy(dispatcher);
    timers.forEach(vertx::cancelTimer);
    return searches.transform(x -> Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList())).eventually(() -> {
      searchers.close();
      saveSnapshots();
      if (replica != null) {
        LOG.info("index: snapshots saved at change {} ({} collection(s))", replica.applied(), replica.shards().size());
      }
      return Future.succeededFuture();
    });
  }
}
