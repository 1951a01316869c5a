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
 * worker instance: changes, searches and snapshots never interleave.
 */
public final class IndexVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(IndexVerticle.class);
  private static final int PAGE = 1000;
  private static final long POLL_MS = 1000;

  private final String nodeId;
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
  private Replica replica;
  private volatile boolean ready;
  private volatile long appliedSeq;
  private JsonObject startup = new JsonObject().put("mode", "loading");
  private Future<Void> catchingUp;

  public IndexVerticle(String nodeId, IndexParams params, int snapshotIntervalSeconds, long changeLogRetention, GalleryStore store,
      Path snapshotDir, String modelId, int dimension) {
    this.nodeId = nodeId;
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
    consumers.add(vertx.eventBus().consumer(Addresses.node(nodeId, Addresses.INDEX_STATUS), m -> m.reply(status())));
    long t0 = System.nanoTime();
    return load()
        .compose(v -> catchUp())
        .compose(v -> {
          consumers.add(vertx.eventBus().<IndexChange>consumer(Addresses.node(nodeId, Addresses.INDEX_APPLY), this::apply));
          consumers.add(vertx.eventBus().<SearchRequest>consumer(Addresses.node(nodeId, Addresses.INDEX_SEARCH), this::search));
          consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.node(nodeId, Addresses.INDEX_REBUILD), this::rebuild));
          return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
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
          LOG.info("index ready: {} collection(s), change log at {} ({})", replica.shards().size(), replica.applied(), startup.encode());
        });
  }

  /** Snapshots and the replay position, or a consistent read of every collection when replay is impossible. */
  private Future<Void> load() {
    long saved = snapshots.loadState();
    return Future.all(store.collections(), store.currentSeq(), store.oldestChange()).compose(all -> {
      List<String> names = all.resultAt(0);
      long current = all.resultAt(1);
      Long oldest = all.resultAt(2);
      boolean replayable = saved >= 0 && saved <= current && (oldest == null ? saved == current : oldest <= saved + 1);
      replica = new Replica(modelId, dimension, params, replayable ? saved : current);
      startup = new JsonObject().put("mode", replayable ? "catch-up" : "rebuild").put("fromSeq", replayable ? saved : current)
          .put("snapshotSeq", saved);
      Future<Void> chain = Future.succeededFuture();
      for (String name : names) {
        chain = chain.compose(v -> loadCollection(name, replayable));
      }
      return chain;
    });
  }

  private Future<Void> loadCollection(String collection, boolean replayable) {
    HnswShard loaded = snapshots.loadOrNull(collection, modelId, dimension, params);
    if (replayable && loaded != null) {
      replica.put(loaded);
      LOG.info("index {}: snapshot loaded, {} faces", collection, loaded.size());
      return Future.succeededFuture();
    }
    // A consistent read at some position >= the replay start: replaying older changes onto it is harmless.
    return store.consistentEmbeddings(collection).map(c -> {
      List<IndexedFace> truth = c.embeddings().stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList();
      HnswShard shard = loaded;
      if (shard == null) {
        shard = new HnswShard(collection, modelId, dimension, params);
        shard.addAll(truth);
        LOG.info("index {}: built from the database, {} faces", collection, shard.size());
      } else {
        ReconcileResult r = shard.reconcile(truth);
        LOG.info("index {}: snapshot reconciled with the database, {} faces (+{} -{})", collection, shard.size(), r.added(), r.removed());
      }
      replica.put(shard);
      replica.markDirty(collection);
      startup.put("mode", "rebuild");
      return null;
    });
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
    HnswShard shard = replica.shard(req.collection());
    if (shard == null || shard.size() == 0) {
      msg.reply(new SearchResult(List.of(), replica.applied()));
      return;
    }
    if (req.vector().length != shard.dimension()) {
      msg.fail(Failure.MODEL_MISMATCH.httpStatus(), Failure.MODEL_MISMATCH.replyMessage(
          "collection '" + req.collection() + "' holds " + shard.dimension() + "-d embeddings of " + shard.modelId()));
      return;
    }
    List<SearchResult.Hit> hits = shard.search(req.vector(), req.k()).stream()
        .map(h -> new SearchResult.Hit(h.faceId(), h.subjectId(), h.similarity()))
        .toList();
    msg.reply(new SearchResult(hits, replica.applied()));
  }

  /**
   * Rebuilds collections from PostgreSQL while the current graphs keep serving: each new graph is built on
   * another thread from a consistent read, brought up to the replica's position from the log, then swapped in.
   */
  private void rebuild(Message<JsonObject> msg) {
    String only = msg.body() == null ? null : msg.body().getString("collection");
    Future<List<String>> names = only != null ? Future.succeededFuture(List.of(only)) : store.collections();
    JsonArray done = new JsonArray();
    names.compose(list -> {
      Future<Void> chain = Future.succeededFuture();
      for (String c : list) {
        chain = chain.compose(v -> rebuildOne(c).map(size -> {
          done.add(new JsonObject().put("collection", c).put("size", size).put("checksum", replica.checksum(c)));
          return null;
        }));
      }
      return chain;
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject().put("rebuilt", done).put("appliedSeq", replica.applied()));
      } else {
        LOG.error("index rebuild failed", ar.cause());
        msg.fail(Failure.DATABASE_UNAVAILABLE.httpStatus(), Failure.DATABASE_UNAVAILABLE.replyMessage("rebuild failed: " + ar.cause().getMessage()));
      }
    });
  }

  private Future<Integer> rebuildOne(String collection) {
    return store.consistentEmbeddings(collection)
        .compose(c -> vertx.executeBlocking(() -> {
          HnswShard shard = new HnswShard(collection, modelId, dimension, params);
          shard.addAll(c.embeddings().stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList());
          return shard;
        }, false).compose(shard -> replayOnto(shard, c.seq(), new long[] {Replica.checksumOf(shard)})))
        .map(shard -> {
          replica.put(shard);
          replica.markDirty(collection);
          saveSnapshots();
          LOG.info("index {}: rebuilt on admin command, {} faces, at change {}", collection, shard.size(), replica.applied());
          return shard.size();
        });
  }

  /** Applies the collection's changes in (from, replica position] to a new shard, until it is level with the replica. */
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
        if (c.collection().equals(shard.collection())) {
          Replica.applyTo(shard, sum, c);
        }
        last = c.seq();
      }
      return last == from ? Future.succeededFuture(shard) : replayOnto(shard, last, sum);
    });
  }

  private JsonObject status() {
    JsonArray list = new JsonArray();
    long faces = 0;
    if (replica != null) {
      for (HnswShard s : replica.shards().values().stream().sorted((a, b) -> a.collection().compareTo(b.collection())).toList()) {
        faces += s.size();
        list.add(new JsonObject()
            .put("collection", s.collection())
            .put("size", s.size())
            .put("checksum", replica.checksum(s.collection()))
            .put("dimension", s.dimension())
            .put("modelId", s.modelId())
            .put("m", s.params().m())
            .put("efConstruction", s.params().efConstruction())
            .put("efSearch", s.params().efSearch())
            .put("snapshotAt", s.snapshotTime() == null ? null : s.snapshotTime().toString())
            .put("estimatedMemoryBytes", s.estimatedMemoryBytes()));
      }
    }
    return new JsonObject().put("node", nodeId).put("ready", ready).put("appliedSeq", replica == null ? null : replica.applied())
        .put("gap", replica != null && replica.hasGap()).put("faces", faces).put("startup", startup.copy())
        .put("modelId", modelId).put("dimension", dimension).put("collections", list);
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
    timers.forEach(vertx::cancelTimer);
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList()).eventually(() -> {
      saveSnapshots();
      if (replica != null) {
        LOG.info("index: snapshots saved at change {} ({} collection(s))", replica.applied(), replica.shards().size());
      }
      return Future.succeededFuture();
    });
  }
}
