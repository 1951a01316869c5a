package dev.facerec.index;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexUpdate;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.store.GalleryStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one {@link HnswShard} per collection. At start each shard is loaded from its snapshot and
 * reconciled with PostgreSQL (the source of truth), or rebuilt from it when no valid snapshot exists.
 * Deployed as a single worker instance, so updates and searches on a shard never interleave.
 */
public final class IndexVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(IndexVerticle.class);

  private final IndexParams params;
  private final GalleryStore store;
  private final IndexSnapshots snapshots;
  private final String modelId;
  private final int dimension;
  private final int snapshotIntervalSeconds;
  private final Map<String, HnswShard> shards = new ConcurrentHashMap<>();
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long timerId = -1;

  public IndexVerticle(IndexParams params, int snapshotIntervalSeconds, GalleryStore store, Path snapshotDir, String modelId, int dimension) {
    this.params = params;
    this.snapshotIntervalSeconds = snapshotIntervalSeconds;
    this.store = store;
    this.snapshots = new IndexSnapshots(snapshotDir);
    this.modelId = modelId;
    this.dimension = dimension;
  }

  @Override
  public Future<?> start() {
    return store.collections()
        .compose(names -> {
          Future<Void> chain = Future.succeededFuture();
          for (String name : names) {
            chain = chain.compose(v -> warmUp(name));
          }
          return chain;
        })
        .compose(v -> {
          consumers.add(vertx.eventBus().<SearchRequest>consumer(Addresses.INDEX_SEARCH, this::search));
          consumers.add(vertx.eventBus().<IndexUpdate>consumer(Addresses.INDEX_UPDATE, this::update));
          consumers.add(vertx.eventBus().consumer(Addresses.INDEX_STATUS, m -> m.reply(status())));
          consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ADMIN_INDEX_REBUILD, this::rebuild));
          if (snapshotIntervalSeconds > 0) {
            timerId = vertx.setPeriodic(snapshotIntervalSeconds * 1000L, id -> saveDirty());
          }
          return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
        });
  }

  /** Loads the snapshot (if valid) and brings it in line with the database. */
  private Future<Void> warmUp(String collection) {
    HnswShard loaded = snapshots.loadOrNull(collection, modelId, dimension, params);
    return store.embeddings(collection).map(rows -> {
      List<IndexedFace> truth = rows.stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList();
      HnswShard shard;
      if (loaded == null) {
        shard = new HnswShard(collection, modelId, dimension, params);
        shard.addAll(truth);
        dirty.add(collection);
        LOG.info("index {}: rebuilt from the database, {} faces", collection, shard.size());
      } else {
        shard = loaded;
        ReconcileResult r = shard.reconcile(truth);
        if (!r.unchanged()) {
          dirty.add(collection);
        }
        LOG.info("index {}: snapshot loaded, {} faces, reconciled +{} -{}", collection, shard.size(), r.added(), r.removed());
      }
      shards.put(collection, shard);
      return null;
    });
  }

  private void search(Message<SearchRequest> msg) {
    SearchRequest req = msg.body();
    HnswShard shard = shards.get(req.collection());
    if (shard == null || shard.size() == 0) {
      msg.reply(new SearchResult(List.of()));
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
    msg.reply(new SearchResult(hits));
  }

  private void update(Message<IndexUpdate> msg) {
    IndexUpdate u = msg.body();
    HnswShard shard = shards.computeIfAbsent(u.collection(), c -> new HnswShard(c, modelId, dimension, params));
    for (IndexUpdate.Entry e : u.add()) {
      shard.add(new IndexedFace(e.faceId(), e.subjectId(), e.vector()));
    }
    u.remove().forEach(shard::remove);
    dirty.add(u.collection());
    msg.reply(new JsonObject().put("size", shard.size()));
  }

  private void rebuild(Message<JsonObject> msg) {
    String only = msg.body() == null ? null : msg.body().getString("collection");
    Future<List<String>> names = only != null ? Future.succeededFuture(List.of(only)) : store.collections();
    names.compose(list -> {
      Future<Void> chain = Future.succeededFuture();
      JsonArray done = new JsonArray();
      for (String c : list) {
        chain = chain.compose(v -> store.embeddings(c).map(rows -> {
          HnswShard shard = new HnswShard(c, modelId, dimension, params);
          shard.addAll(rows.stream().map(r -> new IndexedFace(r.faceId(), r.subjectId(), r.vector())).toList());
          shards.put(c, shard);
          saveQuietly(shard);
          done.add(new JsonObject().put("collection", c).put("size", shard.size()));
          LOG.info("index {}: rebuilt on admin command, {} faces", c, shard.size());
          return null;
        }));
      }
      return chain.map(v -> new JsonObject().put("rebuilt", done));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        LOG.error("index rebuild failed", ar.cause());
        msg.fail(Failure.DATABASE_UNAVAILABLE.httpStatus(), Failure.DATABASE_UNAVAILABLE.replyMessage("rebuild failed: " + ar.cause().getMessage()));
      }
    });
  }

  private JsonObject status() {
    JsonArray list = new JsonArray();
    shards.values().stream().sorted((a, b) -> a.collection().compareTo(b.collection())).forEach(s -> list.add(new JsonObject()
        .put("collection", s.collection())
        .put("size", s.size())
        .put("dimension", s.dimension())
        .put("modelId", s.modelId())
        .put("m", s.params().m())
        .put("efConstruction", s.params().efConstruction())
        .put("efSearch", s.params().efSearch())
        .put("snapshotAt", s.snapshotTime() == null ? null : s.snapshotTime().toString())
        .put("estimatedMemoryBytes", s.estimatedMemoryBytes())));
    return new JsonObject().put("ready", true).put("modelId", modelId).put("dimension", dimension).put("collections", list);
  }

  private void saveDirty() {
    for (String c : List.copyOf(dirty)) {
      HnswShard s = shards.get(c);
      dirty.remove(c);
      if (s != null) {
        if (!saveQuietly(s)) {
          dirty.add(c);
        }
      }
    }
  }

  /** A failed snapshot is not fatal: the database stays the truth and the next start reconciles. */
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
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList()).eventually(() -> {
      saveDirty();
      return Future.succeededFuture();
    });
  }
}
