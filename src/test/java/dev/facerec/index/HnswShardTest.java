package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.facerec.testing.RandomVectors;

/** Every test runs once per engine: {@link PackedShardTest}, {@link HnswlibShardTest}. */
abstract class HnswShardTest {
  private static final int DIM = 32;
  private final IndexParams PARAMS = new IndexParams(16, 100, 64, engine());
  private static final String MODEL = "arcface-r100";

  @TempDir Path tmp;

  private final Random random = new Random(42);

  @Test
  @DisplayName("finds an added face first, and never returns it once removed")
  void addsSearchesAndRemoves() {
    HnswShard shard = shard();
    List<IndexedFace> faces = randomFaces(300, DIM);
    faces.forEach(shard::add);
    assertEquals(300, shard.size());

    IndexedFace probe = faces.get(17);
    SearchHit top = shard.search(probe.vector(), 5).get(0);
    assertEquals(probe.faceId(), top.faceId());
    assertEquals(probe.subjectId(), top.subjectId());
    assertEquals(1f, top.similarity(), 1e-5f);

    assertTrue(shard.remove(probe.faceId()));
    assertFalse(shard.remove(probe.faceId()), "second remove finds nothing");
    assertEquals(299, shard.size());
    assertFalse(shard.ids().contains(probe.faceId()));
    List<SearchHit> all = shard.search(probe.vector(), 300);
    assertTrue(all.stream().noneMatch(h -> h.faceId().equals(probe.faceId())), "removed id came back");
    assertEquals(299, all.size());
  }

  @Test
  @DisplayName("returns hits most similar first, with cosine similarity of unnormalised input")
  void reportsCosineSimilarityMostSimilarFirst() {
    HnswShard shard = shard();
    List<IndexedFace> faces = randomFaces(200, DIM);
    shard.addAll(faces);
    float[] query = randomUnit(DIM);
    float[] scaled = query.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= 7f; // not unit length: the shard normalises
    }
    List<SearchHit> hits = shard.search(scaled, 10);
    assertEquals(10, hits.size());
    for (int i = 1; i < hits.size(); i++) {
      assertTrue(hits.get(i - 1).similarity() >= hits.get(i).similarity());
    }
    IndexedFace first = faces.stream().filter(f -> f.faceId().equals(hits.get(0).faceId())).findFirst().orElseThrow();
    assertEquals(dot(query, first.vector()), hits.get(0).similarity(), 1e-5f);
    assertEquals(shard.exactSearch(scaled, 1).get(0).faceId(), hits.get(0).faceId());
  }

  @Test
  @DisplayName("search on an empty shard, or one emptied by removals, returns no hits")
  void searchOnEmptyShardReturnsEmpty() {
    HnswShard shard = shard();
    assertTrue(shard.search(randomUnit(DIM), 10).isEmpty());
    assertTrue(shard.exactSearch(randomUnit(DIM), 10).isEmpty());
    List<IndexedFace> faces = randomFaces(20, DIM);
    shard.addAll(faces);
    faces.forEach(f -> shard.remove(f.faceId()));
    assertEquals(0, shard.size());
    assertTrue(shard.search(randomUnit(DIM), 10).isEmpty());
  }

  @Test
  @DisplayName("rejects vectors of the wrong dimension, zero vectors and k < 1")
  void rejectsBadVectors() {
    HnswShard shard = shard();
    assertThrows(IllegalArgumentException.class, () -> shard.search(new float[DIM + 1], 3));
    assertThrows(IllegalArgumentException.class,
        () -> shard.add(new IndexedFace(randomId(), randomId(), randomUnit(DIM - 1))));
    assertThrows(IllegalArgumentException.class,
        () -> shard.add(new IndexedFace(randomId(), randomId(), new float[DIM])));
    assertThrows(IllegalArgumentException.class, () -> shard.search(randomUnit(DIM), 0));
    assertEquals(0, shard.size());
  }

  @Test
  @DisplayName("grows past its initial capacity, one add at a time and in bulk")
  void growsPastInitialCapacity() {
    HnswShard shard = new HnswShard("grow", MODEL, DIM, PARAMS, 16);
    List<IndexedFace> singles = randomFaces(100, DIM);
    singles.forEach(shard::add);
    List<IndexedFace> bulk = randomFaces(700, DIM);
    shard.addAll(bulk);
    assertEquals(800, shard.size());
    assertTrue(shard.capacity() >= 800);
    for (IndexedFace f : Stream.concat(singles.stream(), bulk.stream()).toList()) {
      assertEquals(f.faceId(), shard.search(f.vector(), 1).get(0).faceId());
    }
  }

  @Test
  @DisplayName("searches on two threads while the shard grows from 16 to 3,000 faces: no error, every face then finds itself")
  void searchesWhileGrowing() throws Exception {
    HnswShard shard = new HnswShard("grow-searched", MODEL, DIM, PARAMS, 16);
    List<IndexedFace> faces = randomFaces(3000, DIM);
    shard.add(faces.get(0));
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong searches = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    List<java.util.concurrent.Future<?>> searchers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      searchers.add(pool.submit(() -> {
        java.util.Random r = new java.util.Random(searches.get());
        while (!done.get()) {
          IndexedFace q = faces.get(r.nextInt(50));
          assertTrue(!shard.search(q.vector(), 5).isEmpty());
          searches.incrementAndGet();
        }
        return null;
      }));
    }
    try {
      for (int i = 1; i < faces.size(); i++) {
        shard.add(faces.get(i)); // grows 16 -> 32 -> ... -> 4096 while the searchers run
      }
    } finally {
      done.set(true);
      pool.shutdown();
    }
    for (java.util.concurrent.Future<?> f : searchers) {
      f.get(60, java.util.concurrent.TimeUnit.SECONDS); // rethrows a searcher's failure
    }
    assertTrue(searches.get() > 0);
    assertEquals(3000, shard.size());
    for (IndexedFace f : faces) {
      assertEquals(f.faceId(), shard.search(f.vector(), 1).get(0).faceId());
    }
  }

  @Test
  @DisplayName("under add/remove churn, compacts tombstones instead of growing without bound")
  void compactsTombstonesUnderChurn() {
    HnswShard shard = new HnswShard("churn", MODEL, DIM, PARAMS, 64);
    List<IndexedFace> kept = randomFaces(40, DIM);
    shard.addAll(kept);
    for (int round = 0; round < 20; round++) {
      List<IndexedFace> temp = randomFaces(40, DIM);
      shard.addAll(temp);
      temp.forEach(f -> shard.remove(f.faceId()));
    }
    assertEquals(40, shard.size());
    assertTrue(shard.capacity() <= 256, "capacity " + shard.capacity());
    assertEquals(kept.stream().map(IndexedFace::faceId).collect(Collectors.toSet()), shard.ids());
    for (IndexedFace f : kept) {
      assertEquals(f.faceId(), shard.search(f.vector(), 1).get(0).faceId());
    }
  }

  @Test
  @DisplayName("adding the same face id again replaces its vector and subject")
  void replacesOnSameId() {
    HnswShard shard = shard();
    shard.addAll(randomFaces(50, DIM));
    UUID id = randomId();
    float[] first = randomUnit(DIM);
    float[] second = randomUnit(DIM);
    UUID newSubject = randomId();
    shard.add(new IndexedFace(id, randomId(), first));
    shard.add(new IndexedFace(id, newSubject, second));
    assertEquals(51, shard.size());

    SearchHit hit = shard.search(second, 1).get(0);
    assertEquals(id, hit.faceId());
    assertEquals(newSubject, hit.subjectId());
    assertEquals(1f, hit.similarity(), 1e-5f);
    long copies = shard.search(first, 51).stream().filter(h -> h.faceId().equals(id)).count();
    assertEquals(1, copies, "the old vector of the id is gone");
  }

  @Test
  @DisplayName("a saved and reloaded shard gives identical search results")
  void saveLoadRoundTrip() throws IOException {
    HnswShard shard = shard();
    List<IndexedFace> faces = randomFaces(500, DIM);
    shard.addAll(faces);
    shard.remove(faces.get(0).faceId());
    assertNull(shard.snapshotTime());
    Path file = tmp.resolve("shard.hnsw");
    shard.save(file);
    assertNotNull(shard.snapshotTime());

    HnswShard loaded = HnswShard.load(file, MODEL, DIM, PARAMS).orElseThrow();
    assertEquals("test", loaded.collection());
    assertEquals(MODEL, loaded.modelId());
    assertEquals(DIM, loaded.dimension());
    assertEquals(PARAMS, loaded.params());
    assertEquals(shard.snapshotTime(), loaded.snapshotTime());
    assertEquals(shard.ids(), loaded.ids());
    for (int q = 0; q < 20; q++) {
      float[] query = randomUnit(DIM);
      assertEquals(shard.search(query, 10), loaded.search(query, 10));
    }
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left behind");
    }
    // the loaded shard keeps working
    IndexedFace extra = randomFaces(1, DIM).get(0);
    loaded.add(extra);
    assertEquals(extra.faceId(), loaded.search(extra.vector(), 1).get(0).faceId());
  }

  @Test
  @DisplayName("a truncated, corrupted, missing or foreign file loads as empty")
  void badFilesLoadAsEmpty() throws IOException {
    HnswShard shard = shard();
    shard.addAll(randomFaces(100, DIM));
    Path file = tmp.resolve("good.hnsw");
    shard.save(file);
    byte[] bytes = Files.readAllBytes(file);

    Path truncated = tmp.resolve("truncated.hnsw");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertTrue(HnswShard.load(truncated, MODEL, DIM, PARAMS).isEmpty());

    Path cut = tmp.resolve("cut.hnsw");
    Files.write(cut, java.util.Arrays.copyOf(bytes, 10));
    assertTrue(HnswShard.load(cut, MODEL, DIM, PARAMS).isEmpty());

    Path flipped = tmp.resolve("flipped.hnsw");
    byte[] corrupt = bytes.clone();
    corrupt[corrupt.length / 2] ^= 0x10;
    Files.write(flipped, corrupt);
    assertTrue(HnswShard.load(flipped, MODEL, DIM, PARAMS).isEmpty());

    Path garbage = tmp.resolve("garbage.hnsw");
    byte[] noise = new byte[4096];
    random.nextBytes(noise);
    Files.write(garbage, noise);
    assertTrue(HnswShard.load(garbage, MODEL, DIM, PARAMS).isEmpty());

    assertTrue(HnswShard.load(tmp.resolve("missing.hnsw"), MODEL, DIM, PARAMS).isEmpty());
    assertTrue(HnswShard.load(file, "other-model", DIM, PARAMS).isEmpty());
    assertTrue(HnswShard.load(file, MODEL, DIM * 2, PARAMS).isEmpty());
    assertTrue(HnswShard.load(file, MODEL, DIM, new IndexParams(8, 100, 64, engine())).isEmpty());
    // efSearch is a search-time setting: a different one still loads, and is applied
    Optional<HnswShard> otherEf = HnswShard.load(file, MODEL, DIM, PARAMS.withEfSearch(200));
    assertEquals(200, otherEf.orElseThrow().params().efSearch());
  }

  @Test
  @DisplayName("reconcile adds missing rows, removes stale ids and re-inserts changed ones")
  void reconcileAddsAndRemovesTheRightIds() {
    HnswShard shard = shard();
    List<IndexedFace> indexed = randomFaces(100, DIM);
    shard.addAll(indexed);

    List<IndexedFace> truth = new ArrayList<>(indexed.subList(0, 70)); // 30 deleted in the store
    List<IndexedFace> missing = randomFaces(25, DIM);                   // 25 enrolled while down
    truth.addAll(missing);
    IndexedFace changed = new IndexedFace(truth.get(0).faceId(), truth.get(0).subjectId(), randomUnit(DIM));
    truth.set(0, changed);

    ReconcileResult result = shard.reconcile(truth);
    assertEquals(new ReconcileResult(25, 30, 1), result);
    Set<UUID> expected = truth.stream().map(IndexedFace::faceId).collect(Collectors.toSet());
    assertEquals(expected, shard.ids());
    assertEquals(changed.faceId(), shard.search(changed.vector(), 1).get(0).faceId());
    for (IndexedFace gone : indexed.subList(70, 100)) {
      assertTrue(shard.search(gone.vector(), 10).stream().noneMatch(h -> h.faceId().equals(gone.faceId())));
    }
    assertTrue(shard.reconcile(truth).unchanged(), "a second reconcile finds nothing to do");
  }

  @Test
  @DisplayName("recall@10 on 5,000 random 128-d vectors at efSearch 100 is above 0.95")
  void recallAt10IsAbove95Percent() {
    // Measured on this data: M=16 gives ~0.87 whatever efConstruction (random 128-d vectors are the
    // hard case), M=24 ~0.94, M=32 ~0.97, M=48 ~0.99. M=32 is the benchmark's setting too.
    int dim = 128;
    HnswShard shard = new HnswShard("recall", MODEL, dim, new IndexParams(32, 200, 100, engine()));
    shard.addAll(randomFaces(5_000, dim));
    int queries = 300;
    int found = 0;
    for (int q = 0; q < queries; q++) {
      float[] query = randomUnit(dim);
      Set<UUID> exact = new HashSet<>();
      shard.exactSearch(query, 10).forEach(h -> exact.add(h.faceId()));
      found += (int) shard.search(query, 10).stream().filter(h -> exact.contains(h.faceId())).count();
    }
    double recall = found / (queries * 10.0);
    System.out.printf("recall@10 (5000 x 128-d, M=32, efC=200, ef=100): %.4f%n", recall);
    assertTrue(recall > 0.95, "recall@10 = " + recall);
  }

  @Test
  @DisplayName("estimates memory from node count, dimension and M")
  void estimatesMemory() {
    HnswShard shard = shard();
    long empty = shard.estimatedMemoryBytes();
    shard.addAll(randomFaces(1000, DIM));
    long perFace = (shard.estimatedMemoryBytes() - empty) / 1000;
    assertTrue(perFace > 4L * DIM && perFace < 4L * DIM + 1000, "per face " + perFace);
  }

  @Test
  @DisplayName("scores a subject by the centroid of its faces, kept up to date through add, replace, remove, reconcile and reload")
  void subjectCentroids() throws IOException {
    HnswShard shard = shard();
    shard.addAll(randomFaces(200, DIM)); // other subjects, one face each
    UUID alice = randomId();
    UUID bob = randomId();
    List<IndexedFace> aliceFaces = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      aliceFaces.add(new IndexedFace(randomId(), alice, randomUnit(DIM)));
    }
    aliceFaces.forEach(shard::add);
    IndexedFace bobFace = new IndexedFace(randomId(), bob, randomUnit(DIM));
    shard.add(bobFace);
    float[] probe = randomUnit(DIM);

    assertEquals(3, shard.faceCount(alice));
    assertSubjectScores(shard, probe, alice, centroid(aliceFaces));
    assertNull(shard.centroid(bob), "one face: no centroid kept");
    SearchHit bobHit = hitOf(shard.search(bobFace.vector(), 50), bob);
    assertEquals(bobHit.similarity(), bobHit.subjectSimilarity(), "one face scores itself");

    // A face moves from Alice to Bob (same id, new subject): both subjects change.
    IndexedFace moved = new IndexedFace(aliceFaces.get(0).faceId(), bob, aliceFaces.get(0).vector());
    shard.add(moved);
    assertEquals(2, shard.faceCount(alice));
    assertEquals(2, shard.faceCount(bob));
    assertSubjectScores(shard, probe, alice, centroid(aliceFaces.subList(1, 3)));
    assertSubjectScores(shard, probe, bob, centroid(List.of(bobFace, moved)));

    assertTrue(shard.remove(aliceFaces.get(1).faceId()));
    assertEquals(1, shard.faceCount(alice));
    assertNull(shard.centroid(alice), "down to one face");

    // Reload: centroids are rebuilt from the snapshot's items.
    Path file = tmp.resolve("centroids.hnsw");
    shard.save(file);
    HnswShard loaded = HnswShard.load(file, MODEL, DIM, PARAMS).orElseThrow();
    assertSubjectScores(loaded, probe, bob, centroid(List.of(bobFace, moved)));
    assertEquals(1, loaded.faceCount(alice));

    // Reconcile to a truth where Alice has three faces again and Bob none.
    List<IndexedFace> truth = new ArrayList<>(loaded.items().stream().filter(f -> !f.subjectId().equals(bob)).toList());
    IndexedFace back = new IndexedFace(randomId(), alice, randomUnit(DIM));
    IndexedFace again = new IndexedFace(randomId(), alice, randomUnit(DIM));
    truth.add(back);
    truth.add(again);
    loaded.reconcile(truth);
    assertEquals(0, loaded.faceCount(bob));
    assertNull(loaded.centroid(bob));
    assertSubjectScores(loaded, probe, alice, centroid(List.of(aliceFaces.get(2), back, again)));
  }

  @Test
  @DisplayName("a subject search returns one hit per subject and reaches past a subject with many near faces")
  void searchesSubjects() {
    HnswShard shard = shard();
    float[] probe = randomUnit(DIM);
    UUID crowd = randomId();
    for (int i = 0; i < 30; i++) {
      shard.add(new IndexedFace(randomId(), crowd, RandomVectors.near(probe, 0.05f, random)));
    }
    List<IndexedFace> others = randomFaces(100, DIM);
    shard.addAll(others);
    List<SearchHit> faces = shard.search(probe, 10);
    assertTrue(faces.stream().allMatch(h -> h.subjectId().equals(crowd)), "the crowd fills the face list");
    List<SearchHit> subjects = shard.searchSubjects(probe, 10, false);
    assertEquals(10, subjects.size());
    assertEquals(crowd, subjects.get(0).subjectId());
    assertEquals(10, subjects.stream().map(SearchHit::subjectId).distinct().count(), "one hit per subject");
    // The nine others are the nine nearest of the one-face subjects.
    List<UUID> expected = shard.exactSearch(probe, 39).stream().map(SearchHit::subjectId).filter(s -> !s.equals(crowd)).limit(9).toList();
    assertEquals(expected, subjects.subList(1, 10).stream().map(SearchHit::subjectId).toList());

    // By centroid: a subject whose one face is near the probe but whose other two point elsewhere ranks by its mean.
    UUID scattered = randomId();
    shard.add(new IndexedFace(randomId(), scattered, RandomVectors.near(probe, 0.02f, random)));
    shard.add(new IndexedFace(randomId(), scattered, randomUnit(DIM)));
    shard.add(new IndexedFace(randomId(), scattered, randomUnit(DIM)));
    assertEquals(scattered, shard.searchSubjects(probe, 3, false).get(0).subjectId(), "its best face is the nearest");
    List<SearchHit> byCentroid = shard.searchSubjects(probe, 5, true);
    assertEquals(crowd, byCentroid.get(0).subjectId());
    assertEquals(scattered, byCentroid.get(1).subjectId());
    for (int i = 1; i < byCentroid.size(); i++) {
      assertTrue(byCentroid.get(i - 1).subjectSimilarity() >= byCentroid.get(i).subjectSimilarity(), "ranked by subject score");
    }
  }

  /** Every hit of {@code subject}, in the approximate and in the exact search, carries the cosine to {@code expected}. */
  private static void assertSubjectScores(HnswShard shard, float[] probe, UUID subject, float[] expected) {
    float want = dot(probe, expected);
    for (List<SearchHit> hits : List.of(shard.search(probe, shard.size()), shard.exactSearch(probe, shard.size()))) {
      List<SearchHit> mine = hits.stream().filter(h -> h.subjectId().equals(subject)).toList();
      assertFalse(mine.isEmpty(), "subject not found");
      for (SearchHit h : mine) {
        assertEquals(want, h.subjectSimilarity(), 1e-5f, "centroid score");
        assertTrue(h.subjectSimilarity() != h.similarity() || mine.size() == 1, "face score and subject score differ");
      }
    }
  }

  private static SearchHit hitOf(List<SearchHit> hits, UUID subject) {
    return hits.stream().filter(h -> h.subjectId().equals(subject)).findFirst().orElseThrow();
  }

  /** The unit-length mean of unit vectors, computed independently of the shard. */
  private static float[] centroid(List<IndexedFace> faces) {
    float[] c = new float[faces.get(0).vector().length];
    for (IndexedFace f : faces) {
      for (int i = 0; i < c.length; i++) {
        c[i] += f.vector()[i];
      }
    }
    float n = (float) Math.sqrt(dot(c, c));
    for (int i = 0; i < c.length; i++) {
      c[i] /= n;
    }
    return c;
  }

  abstract IndexEngine engine();

  @Test
  @DisplayName("a snapshot of the other engine loads as empty (the shard is then rebuilt from the store)")
  void otherEnginesSnapshotLoadsAsEmpty() throws IOException {
    HnswShard shard = shard();
    shard.addAll(randomFaces(50, DIM));
    Path file = tmp.resolve("engine.hnsw");
    shard.save(file);
    IndexEngine other = engine() == IndexEngine.PACKED ? IndexEngine.HNSWLIB : IndexEngine.PACKED;
    assertTrue(HnswShard.load(file, MODEL, DIM, new IndexParams(16, 100, 64, other)).isEmpty());
    assertEquals(50, HnswShard.load(file, MODEL, DIM, PARAMS).orElseThrow().size());
  }

  private HnswShard shard() {
    return new HnswShard("test", MODEL, DIM, PARAMS);
  }

  private List<IndexedFace> randomFaces(int n, int dim) {
    List<IndexedFace> faces = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      faces.add(new IndexedFace(randomId(), randomId(), randomUnit(dim)));
    }
    return faces;
  }

  // Seeded ids: hnswlib-core derives a node's level from its id (the packed graph from its slot), so graphs repeat.
  private UUID randomId() {
    return new UUID(random.nextLong(), random.nextLong());
  }

  private float[] randomUnit(int dim) {
    return RandomVectors.unit(random, dim);
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
