package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.testing.RandomVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The packed graph on its own: what {@link HnswShardTest} cannot see through the shard. */
@DisplayName("PackedGraph")
class PackedGraphTest {
  private static final int DIM = 64;
  private final Random random = new Random(7);

  @Test
  @DisplayName("inserts on 4 threads while 2 threads search: no error, every face findable, recall as a serial build")
  void concurrentInsertsAndSearches() throws Exception {
    List<IndexedFace> faces = faces(4_000);
    PackedGraph serial = graph(faces.size());
    faces.forEach(serial::put);

    PackedGraph graph = graph(faces.size());
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean inserting = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger searchesDuring = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(4);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(started(() -> {
        try {
          for (int i = next.getAndIncrement(); i < faces.size(); i = next.getAndIncrement()) {
            graph.put(faces.get(i));
          }
        } catch (Throwable e) {
          errors.add(e);
        } finally {
          done.countDown();
        }
      }));
    }
    for (int t = 0; t < 2; t++) {
      threads.add(started(() -> {
        Random r = new Random(Thread.currentThread().getId());
        try {
          while (inserting.get()) {
            for (ShardGraph.Neighbour n : graph.nearest(RandomVectors.unit(r, DIM), 10)) {
              if (n.faceId() == null || n.distance() < -1e-4f || n.distance() > 2.0001f) {
                throw new AssertionError("bad hit " + n);
              }
            }
            searchesDuring.incrementAndGet();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    done.await();
    inserting.set(false);
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    assertTrue(searchesDuring.get() > 0, "no search overlapped the inserts");
    assertEquals(faces.size(), graph.size());
    int selfMissConcurrent = 0;
    int selfMissSerial = 0;
    for (IndexedFace f : faces) {
      selfMissConcurrent += f.faceId().equals(graph.nearest(f.vector(), 1).get(0).faceId()) ? 0 : 1;
      selfMissSerial += f.faceId().equals(serial.nearest(f.vector(), 1).get(0).faceId()) ? 0 : 1;
    }
    System.out.printf("not their own nearest: %d concurrent, %d serial%n", selfMissConcurrent, selfMissSerial);
    // Before concurrent inserts kept each other's links to a node whose own list was not written yet, 2 were lost.
    assertTrue(selfMissConcurrent <= selfMissSerial + 1, selfMissConcurrent + " faces are not their own nearest");
    double concurrent = recall(graph, faces);
    double sequential = recall(serial, faces);
    System.out.printf("recall@10 built on 4 threads %.4f, on one %.4f%n", concurrent, sequential);
    assertTrue(concurrent > sequential - 0.02, concurrent + " against " + sequential);
  }

  @Test
  @DisplayName("with 90 % of the faces removed, a search still returns k live faces and never a removed one")
  void searchesPastTombstones() {
    List<IndexedFace> faces = faces(2_000);
    PackedGraph graph = graph(faces.size());
    faces.forEach(graph::put);
    Set<UUID> live = new HashSet<>();
    for (int i = 0; i < faces.size(); i++) {
      if (i % 10 == 0) {
        live.add(faces.get(i).faceId());
      } else {
        assertTrue(graph.remove(faces.get(i).faceId()));
      }
    }
    assertEquals(live.size(), graph.size());
    for (int q = 0; q < 50; q++) {
      List<ShardGraph.Neighbour> hits = graph.nearest(RandomVectors.unit(random, DIM), 10);
      assertEquals(10, hits.size());
      hits.forEach(h -> assertTrue(live.contains(h.faceId()), "a removed face came back"));
    }
    assertNull(graph.get(faces.get(1).faceId()));
  }

  @Test
  @DisplayName("replacing a face's subject keeps its node; replacing its vector tombstones the old node")
  void replaces() {
    List<IndexedFace> faces = faces(100);
    PackedGraph graph = graph(200);
    faces.forEach(graph::put);
    IndexedFace f = faces.get(5);
    UUID newSubject = UUID.randomUUID();
    graph.put(new IndexedFace(f.faceId(), newSubject, f.vector()));
    assertEquals(100, graph.nodes());
    assertEquals(newSubject, graph.nearest(f.vector(), 1).get(0).subjectId());
    float[] moved = RandomVectors.unit(random, DIM);
    graph.put(new IndexedFace(f.faceId(), newSubject, moved));
    assertEquals(101, graph.nodes());
    assertEquals(100, graph.size());
    assertArrayEquals(moved, graph.get(f.faceId()).vector());
    assertEquals(f.faceId(), graph.nearest(moved, 1).get(0).faceId());
    assertTrue(graph.nearest(f.vector(), 100).stream().filter(h -> h.faceId().equals(f.faceId())).count() <= 1);
  }

  @Test
  @DisplayName("the same faces inserted in the same order give the same graph, byte for byte")
  void deterministic() throws IOException {
    List<IndexedFace> faces = faces(500);
    PackedGraph a = graph(600);
    PackedGraph b = graph(600);
    faces.forEach(a::put);
    faces.forEach(b::put);
    assertArrayEquals(bytes(a), bytes(b));
  }

  @Test
  @DisplayName("a payload round-trips; a link to a node that does not exist or a bad count is refused on read")
  void readChecksLinks() throws IOException {
    List<IndexedFace> faces = faces(300);
    PackedGraph graph = graph(400);
    faces.forEach(graph::put);
    graph.remove(faces.get(3).faceId());
    byte[] good = bytes(graph);
    PackedGraph back = read(good);
    assertEquals(graph.size(), back.size());
    assertArrayEquals(good, bytes(back));
    float[] q = RandomVectors.unit(random, DIM);
    assertEquals(graph.nearest(q, 10), back.nearest(q, 10));

    int n = graph.nodes();
    int links = 16 + n * 34 + n * DIM * 4; // header, per-node records, vectors: then node 0's layer-0 list
    byte[] badLink = good.clone();
    ByteBuffer.wrap(badLink).putInt(links + 4, n + 5);
    assertTrue(assertThrows(IOException.class, () -> read(badLink)).getMessage().contains("link to node"));
    byte[] badCount = good.clone();
    ByteBuffer.wrap(badCount).putInt(links, 1000);
    assertTrue(assertThrows(IOException.class, () -> read(badCount)).getMessage().contains("bad link count"));
  }

  private static Thread started(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  private PackedGraph graph(int capacity) {
    return new PackedGraph(DIM, 16, 100, 64, capacity, InnerProduct.best());
  }

  private static byte[] bytes(PackedGraph g) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(out);
    g.write(data);
    data.flush();
    return out.toByteArray();
  }

  private static PackedGraph read(byte[] b) throws IOException {
    return PackedGraph.read(new DataInputStream(new ByteArrayInputStream(b)), DIM, 16, 100, 64, InnerProduct.best());
  }

  private double recall(PackedGraph g, List<IndexedFace> faces) {
    Random r = new Random(11);
    int found = 0;
    int queries = 200;
    for (int q = 0; q < queries; q++) {
      float[] v = RandomVectors.unit(r, DIM);
      List<UUID> exact = faces.stream()
          .sorted((x, y) -> Float.compare(dot(y.vector(), v), dot(x.vector(), v)))
          .limit(10).map(IndexedFace::faceId).toList();
      Set<UUID> got = new HashSet<>();
      g.nearest(v, 10).forEach(h -> got.add(h.faceId()));
      found += (int) exact.stream().filter(got::contains).count();
    }
    return found / (queries * 10.0);
  }

  private List<IndexedFace> faces(int n) {
    List<IndexedFace> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new IndexedFace(new UUID(random.nextLong(), random.nextLong()), new UUID(random.nextLong(), i),
          RandomVectors.unit(random, DIM)));
    }
    return out;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
