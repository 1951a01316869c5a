package dev.facerec.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import dev.facerec.store.GalleryStore.FaceRecord;
import dev.facerec.store.GalleryStore.Page;
import dev.facerec.store.GalleryStore.StoredEmbedding;
import dev.facerec.store.GalleryStore.Subject;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs against the test PostgreSQL ({@link dev.facerec.testing.TestDatabase}: {@code TEST_DATABASE_URL} or the
 * embedded one) in a fresh schema of its own, dropped at the end.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("GalleryStore on a real PostgreSQL")
class GalleryStoreIT {
  static final String MODEL = "arcface-r100";

  static Database db;
  static Pool pool;
  static GalleryStore store;

  @BeforeAll
  static void migrateFreshSchema(Vertx vertx) {
    String schema = "gallery_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    db = Database.start(new DatabaseSettings(dev.facerec.testing.TestDatabase.base(), null, 4, 5000, schema));
    pool = db.createPool(vertx);
    store = new GalleryStore(pool);
  }

  @AfterAll
  static void dropSchema() throws Exception {
    try {
      await(pool.query("DROP SCHEMA " + db.schema() + " CASCADE").execute());
    } finally {
      await(pool.close());
      db.close();
    }
  }

  // ---- deadlines

  @Test
  @DisplayName("a pool made with a statement timeout has the server cancel a longer query, answered as REQUEST_TIMEOUT")
  void statementTimeoutCancelsOnTheServer(Vertx vertx) throws Exception {
    Pool limited = db.createPool(vertx, 300);
    try {
      long t0 = System.nanoTime();
      Exception e = assertThrows(Exception.class, () -> await(limited.query("SELECT pg_sleep(5)").execute()));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      FaceException mapped = GalleryStore.toFaceException(e);
      System.out.printf("statement_timeout 300 ms: pg_sleep(5) cancelled after %d ms as %s%n", ms, mapped.failure());
      assertEquals(Failure.REQUEST_TIMEOUT, mapped.failure(), e.toString());
      assertTrue(ms < 3000, "cancelled by the server after " + ms + " ms");
      // The connection is usable again and the server runs nothing of ours any more.
      assertEquals(1, (int) await(limited.query("SELECT 1").execute()).iterator().next().getInteger(0));
      long sleeping = await(pool.query("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND state = 'active'")
          .execute()).iterator().next().getLong(0);
      assertEquals(0, sleeping);
      // The default pool has no such limit.
      assertEquals(1, (int) await(pool.query("SELECT pg_sleep(0.5), 1").execute()).iterator().next().getInteger(1));
    } finally {
      await(limited.close());
    }
  }

  // ---- subjects

  @Test
  @DisplayName("a created subject reads back with its metadata, no faces and timestamps")
  void createsAndReadsSubject() throws Exception {
    JsonObject meta = new JsonObject().put("employeeId", 42).put("tags", new JsonArray().add("a").add("b"));
    Subject created = await(store.createSubject("staff", "Ada Lovelace", meta));
    Subject read = await(store.getSubject(created.id()));

    assertEquals(created.id(), read.id());
    assertEquals("Ada Lovelace", read.name());
    assertEquals("staff", read.collection());
    assertEquals(meta, read.metadata());
    assertEquals(0, read.faceCount());
    assertEquals(created.createdAt(), read.createdAt());
    assertTrue(await(store.collections()).contains("staff"));

    JsonObject json = read.toJson();
    assertEquals(created.id().toString(), json.getString("id"));
    assertEquals(created.createdAt().toString(), json.getString("createdAt"));
    assertEquals(0, json.getInteger("faceCount"));
  }

  @Test
  @DisplayName("subjects are listed oldest first, a page at a time, with the collection's total")
  void pagesSubjectsInCreationOrder() throws Exception {
    String collection = "paging";
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(await(store.createSubject(collection, "s" + i, null)).id());
    }
    Page<Subject> first = await(store.listSubjects(collection, 0, 2));
    Page<Subject> last = await(store.listSubjects(collection, 2, 2));
    Page<Subject> beyond = await(store.listSubjects(collection, 3, 2));

    assertEquals(List.of(ids.get(0), ids.get(1)), first.items().stream().map(Subject::id).toList());
    assertEquals(5, first.total());
    assertEquals(List.of(ids.get(4)), last.items().stream().map(Subject::id).toList());
    assertTrue(beyond.items().isEmpty());
    assertEquals(5, beyond.total());
    assertEquals(0, await(store.listSubjects("no-such-collection", 0, 10)).total());
    assertEquals(Failure.INVALID_REQUEST, failure(store.listSubjects(collection, -1, 10)));
    assertEquals(Failure.INVALID_REQUEST, failure(store.listSubjects(collection, 0, 0)));
    assertEquals(Failure.INVALID_REQUEST, failure(store.listSubjects(collection, 0, GalleryStore.MAX_PAGE_SIZE + 1)));
  }

  @Test
  @DisplayName("an update changes only the given fields and moves updatedAt")
  void updatesOnlyGivenFields() throws Exception {
    Subject s = await(store.createSubject("staff", "Grace", new JsonObject().put("team", "navy")));

    Subject renamed = await(store.updateSubject(s.id(), "Grace Hopper", null));
    assertEquals("Grace Hopper", renamed.name());
    assertEquals(new JsonObject().put("team", "navy"), renamed.metadata());
    assertTrue(renamed.updatedAt().isAfter(s.updatedAt()));

    Subject remeta = await(store.updateSubject(s.id(), null, new JsonObject().put("rank", "rear admiral")));
    assertEquals("Grace Hopper", remeta.name());
    assertEquals(new JsonObject().put("rank", "rear admiral"), remeta.metadata());
    assertEquals(remeta, await(store.getSubject(s.id())));
    assertEquals(Failure.INVALID_REQUEST, failure(store.updateSubject(s.id(), " ", null)));
  }

  // ---- faces

  @Test
  @DisplayName("faces round-trip their embedding bit for bit and are listed, counted and deleted")
  void storesFacesWithExactEmbeddings(VertxTestContext ctx) throws Exception {
    String collection = "exact";
    Subject s = await(store.createSubject(collection, "Alan", null));
    float[] tricky = {0.1f, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, 1e-30f, (float) Math.PI, 1f / 3f, 0f};
    float[] second = randomUnit(8, 7);

    FaceRecord a = await(store.addFace(s.id(), tricky, MODEL, face(10.5f, 20.25f, 100f, 120f, 0.987f), "ab12")).value();
    FaceRecord b = await(store.addFace(s.id(), second, MODEL, face(1f, 2f, 3f, 4f, 0.5f), null)).value();

    assertEquals(new Box(10.5f, 20.25f, 100f, 120f), a.box());
    assertEquals(0.987f, a.score());
    assertEquals(collection, a.collection());
    assertEquals(MODEL, a.modelId());

    List<FaceRecord> listed = await(store.listFaces(s.id()));
    assertEquals(List.of(a, b), listed);
    assertEquals(2, await(store.getSubject(s.id())).faceCount());

    Map<UUID, float[]> vectors = new java.util.HashMap<>();
    for (StoredEmbedding e : await(store.embeddings(collection))) {
      assertEquals(s.id(), e.subjectId());
      vectors.put(e.faceId(), e.vector());
    }
    assertArrayEquals(tricky, vectors.get(a.id()));
    assertArrayEquals(second, vectors.get(b.id()));
    assertEquals(MODEL, await(store.collectionModels()).get(collection));

    store.deleteFace(s.id(), a.id())
        .compose(deleted -> {
          ctx.verify(() -> assertEquals(a, deleted.value()));
          return store.listFaces(s.id());
        })
        .compose(left -> {
          ctx.verify(() -> assertEquals(List.of(b), left));
          return store.deleteFace(s.id(), a.id());
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals(Failure.FACE_NOT_FOUND, ((FaceException) err).failure());
          ctx.completeNow();
        })));
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
    if (ctx.failed()) {
      throw new AssertionError(ctx.causeOfFailure());
    }
  }

  @Test
  @DisplayName("deleting a subject returns its face ids and removes its faces")
  void deleteSubjectCascades() throws Exception {
    String collection = "cascade";
    Subject s = await(store.createSubject(collection, "Linus", null));
    Subject other = await(store.createSubject(collection, "Ken", null));
    UUID f1 = await(store.addFace(s.id(), randomUnit(4, 1), MODEL, face(0, 0, 10, 10, 0.9f), null)).value().id();
    UUID f2 = await(store.addFace(s.id(), randomUnit(4, 2), MODEL, face(0, 0, 10, 10, 0.9f), null)).value().id();
    UUID kept = await(store.addFace(other.id(), randomUnit(4, 3), MODEL, face(0, 0, 10, 10, 0.9f), null)).value().id();

    List<UUID> deleted = await(store.deleteSubject(s.id())).value();

    assertEquals(Set.of(f1, f2), Set.copyOf(deleted));
    assertEquals(2, deleted.size());
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.getSubject(s.id())));
    assertEquals(List.of(kept), await(store.embeddings(collection)).stream().map(StoredEmbedding::faceId).toList());
    long orphans = await(pool.preparedQuery("SELECT count(*) FROM faces WHERE subject_id = $1")
        .execute(Tuple.of(s.id()))).iterator().next().getLong(0);
    assertEquals(0, orphans);
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.deleteSubject(s.id())));
  }

  @Test
  @DisplayName("a collection refuses faces from a second model while it holds faces")
  void refusesAnotherModel(VertxTestContext ctx) throws Exception {
    String collection = "one-model";
    Subject s = await(store.createSubject(collection, "Barbara", null));
    FaceRecord first = await(store.addFace(s.id(), randomUnit(4, 4), MODEL, face(0, 0, 5, 5, 0.8f), null)).value();

    store.addFace(s.id(), randomUnit(4, 5), "facenet-128", face(0, 0, 5, 5, 0.8f), null)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          FaceException fe = (FaceException) err;
          assertEquals(Failure.MODEL_MISMATCH, fe.failure());
          assertTrue(fe.getMessage().contains(MODEL), fe.getMessage());
          assertTrue(fe.getMessage().contains("facenet-128"), fe.getMessage());
          ctx.completeNow();
        })));
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
    assertFalse(ctx.failed(), () -> String.valueOf(ctx.causeOfFailure()));

    assertEquals(1, await(store.listFaces(s.id())).size(), "the refused face was not stored");
    assertEquals(Failure.MODEL_MISMATCH, failure(store.addFace(s.id(), new float[5], MODEL, face(0, 0, 5, 5, 1f), null)));

    // Emptied, the collection takes the new model.
    await(store.deleteFace(s.id(), first.id()));
    await(store.addFace(s.id(), randomUnit(128, 6), "facenet-128", face(0, 0, 5, 5, 0.8f), null));
    assertEquals("facenet-128", await(store.collectionModels()).get(collection));
  }

  @Test
  @DisplayName("two first faces of different models racing on a new collection: exactly one model wins")
  void concurrentFirstFacesBindOneModel() throws Exception {
    String collection = "race";
    Subject s = await(store.createSubject(collection, "Race", null));
    List<Future<FaceRecord>> adds = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      adds.add(store.addFace(s.id(), randomUnit(4, 20 + i), i % 2 == 0 ? "model-a" : "model-b",
          face(0, 0, 1, 1, 1f), null).map(GalleryStore.Written::value));
    }
    await(Future.join(adds).otherwiseEmpty());
    String winner = await(store.collectionModels()).get(collection);
    for (Future<FaceRecord> add : adds) {
      if (add.succeeded()) {
        assertEquals(winner, add.result().modelId());
      } else {
        assertEquals(Failure.MODEL_MISMATCH, ((FaceException) add.cause()).failure());
      }
    }
    assertEquals(3, await(store.listFaces(s.id())).size());
  }

  @Test
  @DisplayName("SQL-looking names, collections and metadata are stored and returned literally")
  void storesInjectionLookingTextLiterally() throws Exception {
    String name = "Robert'); DROP TABLE subjects;--";
    String collection = "x' OR '1'='1";
    JsonObject meta = new JsonObject()
        .put("note", "'; DELETE FROM faces; --")
        .put("$where", "1=1")
        .put("nested", new JsonObject().put("quote\"key", "back\\slash \u00e9\u4e2d\ud83d\ude00"));
    Subject s = await(store.createSubject(collection, name, meta));
    await(store.addFace(s.id(), randomUnit(4, 8), MODEL, face(0, 0, 1, 1, 1f), "'; --"));

    Subject read = await(store.getSubject(s.id()));
    assertEquals(name, read.name());
    assertEquals(collection, read.collection());
    assertEquals(meta, read.metadata());
    assertEquals(List.of(s.id()), await(store.listSubjects(collection, 0, 10)).items().stream().map(Subject::id).toList());
    assertEquals(name, await(store.subjectNames(List.of(s.id(), UUID.randomUUID()))).get(s.id()));
    assertNotNull(await(store.collections()));
    assertTrue(await(store.listSubjects("staff", 0, 10)).total() >= 0, "subjects table still there");
    assertEquals(Failure.INVALID_REQUEST, failure(store.createSubject(collection, "nul\u0000byte", null)));
  }

  @Test
  @DisplayName("unknown subjects and faces fail with SUBJECT_NOT_FOUND and FACE_NOT_FOUND")
  void unknownIdsFailWithTheirCodes() throws Exception {
    UUID nobody = UUID.randomUUID();
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.getSubject(nobody)));
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.updateSubject(nobody, "x", null)));
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.deleteSubject(nobody)));
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.listFaces(nobody)));
    assertEquals(Failure.SUBJECT_NOT_FOUND,
        failure(store.addFace(nobody, randomUnit(4, 9), MODEL, face(0, 0, 1, 1, 1f), null)));
    assertEquals(Failure.SUBJECT_NOT_FOUND, failure(store.deleteFace(nobody, UUID.randomUUID())));

    Subject s = await(store.createSubject("staff", "Edsger", null));
    assertEquals(Failure.FACE_NOT_FOUND, failure(store.deleteFace(s.id(), UUID.randomUUID())));
    assertTrue(await(store.listFaces(s.id())).isEmpty());
    assertTrue(await(store.subjectNames(List.of())).isEmpty());
  }

  @Test
  @DisplayName("audit entries are appended")
  void appendsAudit() throws Exception {
    await(store.audit("key:ops", "subject.delete", "subject/123", new JsonObject().put("faces", 2)));
    await(store.audit(null, "startup", null, null));
    long rows = await(pool.query("SELECT count(*) FROM audit_log WHERE action IN ('subject.delete', 'startup')")
        .execute()).iterator().next().getLong(0);
    assertEquals(2, rows);
    await(store.ping());
  }

  @Test
  @DisplayName("a server that cannot be reached gives DATABASE_UNAVAILABLE, and start() never shows the password")
  void closedPortMeansDatabaseUnavailable(Vertx vertx) throws Exception {
    String url = "postgresql://postgres:s3cret-pw@127.0.0.1:1/test";
    Database unreachable = Database.external(new DatabaseSettings(url, null, 1, 1000));
    Pool deadPool = unreachable.createPool(vertx);
    try {
      GalleryStore dead = new GalleryStore(deadPool);
      FaceException e = failureOf(dead.ping());
      assertEquals(Failure.DATABASE_UNAVAILABLE, e.failure());
      assertFalse(e.getMessage().contains("s3cret"));
      assertEquals(Failure.DATABASE_UNAVAILABLE, failure(dead.getSubject(UUID.randomUUID())));
      assertEquals(Failure.DATABASE_UNAVAILABLE, failure(dead.createSubject("c", "n", null)));
    } finally {
      await(deadPool.close());
    }

    IllegalStateException startFailure =
        assertThrows(IllegalStateException.class, () -> Database.start(new DatabaseSettings(url, null, 1, 1000)));
    assertFalse(startFailure.getMessage().contains("s3cret"), startFailure.getMessage());
  }

  // ---- helpers

  private static DetectedFace face(float x, float y, float w, float h, float score) {
    float[][] landmarks = {{x + 1, y + 1}, {x + 2, y + 1}, {x + 1.5f, y + 2}, {x + 1, y + 3}, {x + 2, y + 3}};
    return new DetectedFace(new Box(x, y, w, h), landmarks, score);
  }

  private static float[] randomUnit(int dim, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[dim];
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < dim; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  /** Waits on a future from a plain test thread (Future.await() needs a virtual thread). */
  // ---- change log

  @Test
  @DisplayName("concurrent writes get gapless sequence numbers in commit order, and the log replays them with their embeddings")
  void changeLogIsGaplessAndReplayable() throws Exception {
    String collection = "log_" + UUID.randomUUID().toString().substring(0, 8);
    Subject s = await(store.createSubject(collection, "Log", null));
    long before = await(store.currentSeq());
    List<Future<GalleryStore.Written<FaceRecord>>> adds = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      adds.add(store.addFace(s.id(), randomUnit(4, 100 + i), MODEL, face(0, 0, 1, 1, 1f), null));
    }
    await(Future.all(adds));
    List<Long> seqs = adds.stream().map(f -> f.result().seq()).sorted().toList();
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(before + 1 + i, seqs.get(i), "sequence numbers are gapless: " + seqs);
    }
    FaceRecord gone = adds.get(3).result().value();
    long removeSeq = await(store.deleteFace(s.id(), gone.id())).seq();
    assertEquals(before + 41, removeSeq);
    long settingsSeq = await(store.putCollectionSettings(collection, new GalleryStore.CollectionSettings(null, null, null, 0.05))).seq();
    assertEquals(before + 42, settingsSeq);
    assertEquals(before + 42, await(store.currentSeq()));

    List<dev.facerec.bus.IndexChange> log = await(store.changesSince(before, 1000));
    assertEquals(42, log.size());
    for (int i = 0; i < log.size(); i++) {
      assertEquals(before + 1 + i, log.get(i).seq());
    }
    // The add of the face deleted since comes back empty: its removal follows in the log.
    dev.facerec.bus.IndexChange addOfGone = log.stream().filter(c -> c.seq() == adds.get(3).result().seq()).findFirst().orElseThrow();
    assertTrue(addOfGone.add().isEmpty());
    dev.facerec.bus.IndexChange addOfKept = log.stream().filter(c -> c.seq() == adds.get(5).result().seq()).findFirst().orElseThrow();
    assertArrayEquals(randomUnit(4, 105), addOfKept.add().get(0).vector());
    assertEquals(List.of(gone.id()), log.get(40).remove());
    assertEquals(dev.facerec.bus.IndexChange.Op.SETTINGS, log.get(41).op());
    assertEquals(2, await(store.changesSince(before + 40, 1000)).size());

    GalleryStore.Consistent snap = await(store.consistentEmbeddings(collection));
    assertEquals(39, snap.embeddings().size());
    assertEquals(before + 42, snap.seq());
    // Each face is read back in exactly the shard Java computes for its subject (the SQL hash agrees with Shards.of).
    int total = 0;
    for (int shard = 0; shard < 4; shard++) {
      GalleryStore.Consistent part = await(store.consistentEmbeddings(collection, shard, 4));
      for (GalleryStore.StoredEmbedding e : part.embeddings()) {
        assertEquals(shard, dev.facerec.index.Shards.of(e.subjectId(), 4), "face " + e.faceId());
      }
      total += part.embeddings().size();
    }
    assertEquals(39, total);
    List<UUID> deleted = await(store.deleteSubject(s.id())).value();
    assertEquals(39, deleted.size());
    assertEquals(before + 43, await(store.currentSeq()));
  }

  @Test
  @DisplayName("a replica reading one shard from PostgreSQL gets whole subjects, the shard Java computes for each")
  void shardsHoldWholeSubjects() throws Exception {
    String collection = "shards_" + UUID.randomUUID().toString().substring(0, 8);
    List<Subject> subjects = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Subject s = await(store.createSubject(collection, "S" + i, null));
      subjects.add(s);
      for (int f = 0; f < 1 + i % 3; f++) {
        await(store.addFace(s.id(), randomUnit(4, 500 + 10 * i + f), MODEL, face(0, 0, 1, 1, 1f), null));
      }
    }
    java.util.Map<UUID, Integer> shardOf = new java.util.HashMap<>();
    int total = 0;
    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (int shard = 0; shard < 4; shard++) {
      for (GalleryStore.StoredEmbedding e : await(store.consistentEmbeddings(collection, shard, 4)).embeddings()) {
        assertEquals(dev.facerec.index.Shards.of(e.subjectId(), 4), shard, "face " + e.faceId());
        Integer before = shardOf.put(e.subjectId(), shard);
        assertTrue(before == null || before == shard, "a subject split over shards");
        used.add(shard);
        total++;
      }
    }
    assertEquals(24, total);
    assertEquals(12, shardOf.size());
    assertTrue(used.size() > 1, "12 subjects all in one shard of 4");
    assertEquals(new dev.facerec.recognition.GallerySize(12, 8), await(store.gallerySize(collection)));
    for (Subject s : subjects) {
      await(store.deleteSubject(s.id()));
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static Failure failure(Future<?> future) throws Exception {
    return failureOf(future).failure();
  }

  static FaceException failureOf(Future<?> future) throws Exception {
    try {
      future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof FaceException fe) {
        return fe;
      }
      throw new AssertionError("expected a FaceException, got " + e.getCause(), e.getCause());
    }
    throw new AssertionError("expected a failure, got success");
  }
}
