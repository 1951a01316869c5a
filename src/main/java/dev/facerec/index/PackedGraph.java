package dev.facerec.index;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An HNSW graph (Malkov and Yashunin's algorithm, hnswlib's heuristic) laid out in primitive arrays: every vector
 * in one {@code float[]}, every layer-0 link list in one {@code int[]}, so a search reads a node's links and the
 * vectors they point to without an object, a box or a lock per visited node. That per-node cost, not the distance,
 * is what kept hnswlib-core at 2.7x native hnswlib's search time (docs/benchmarks.md).
 *
 * <p>Node ids are slots in those arrays, handed out in insertion order. A removed or replaced face leaves a
 * tombstone: still a waypoint for searches, never a result; {@link HnswShard} compacts when tombstones outnumber
 * live faces.
 *
 * <p>Concurrency: inserts lock one link list at a time (striped locks), and the entry point while raising the top
 * level. Searches take no lock: a link list's count is written with release after its ids and read with acquire,
 * and a node's vector is written before any list names it, so a search sees either the old or the new list of a
 * node being rewired, and only ids of complete nodes.
 */
final class PackedGraph implements ShardGraph {
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final int STRIPES = 1 << 10;
  /** Levels above this are as good as impossible (probability M^-30) and would not fit the byte. */
  private static final int MAX_LEVEL = 30;
  private static final int NONE = -1;

  private final int dim;
  private final int m;
  private final int m0;
  private final int efConstruction;
  private final double levelMultiplier;
  private final InnerProduct distance;
  private volatile int ef;

  // Arrays are replaced only by resize's swap, which the shard runs with searches and inserts shut out.
  private int capacity;
  private float[] vectors;
  /** Per node: the count, then up to {@code m0} ids. */
  private int[] links0;
  /** Per node above layer 0: for each layer l >= 1, at (l-1)*(m+1): the count, then up to {@code m} ids. */
  private int[][] upper;
  private byte[] levels;
  private byte[] deleted;
  private FaceRef[] refs;

  private final AtomicInteger allocated = new AtomicInteger();
  private final AtomicInteger tombstones = new AtomicInteger();
  private final ConcurrentHashMap<UUID, Integer> lookup = new ConcurrentHashMap<>();
  private final Object[] locks = new Object[STRIPES];
  private final ReentrantLock entryLock = new ReentrantLock();
  /** Top level in the high 32 bits, entry node in the low ones, read together; -1: empty. */
  private volatile long entry = NONE;
  private final ConcurrentLinkedDeque<Search> searches = new ConcurrentLinkedDeque<>();

  /** A face's ids without its vector, which lives in {@link #vectors}. */
  private record FaceRef(UUID faceId, UUID subjectId) {}

  PackedGraph(int dim, int m, int efConstruction, int ef, int capacity, InnerProduct distance) {
    this.dim = dim;
    this.m = m;
    this.m0 = 2 * m;
    this.efConstruction = efConstruction;
    this.ef = ef;
    this.levelMultiplier = 1 / Math.log(m);
    this.distance = distance;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
    allocate(capacity);
  }

  private void allocate(int cap) {
    checkFits(cap);
    capacity = cap;
    vectors = new float[cap * dim];
    links0 = new int[cap * (m0 + 1)];
    upper = new int[cap][];
    levels = new byte[cap];
    deleted = new byte[cap];
    refs = new FaceRef[cap];
  }

  private void checkFits(int cap) {
    if ((long) cap * dim > Integer.MAX_VALUE - 8 || (long) cap * (m0 + 1) > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a shard of " + cap + " faces of " + dim + " dimensions with M=" + m
          + " does not fit in Java arrays; use more shards");
    }
  }

  @Override
  public IndexEngine engine() {
    return IndexEngine.PACKED;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public void resize(int newCapacity) {
    prepareResize(newCapacity).run();
  }

  /**
   * Copies every array into its larger size now, while searches go on reading the old ones (nothing writes them:
   * the shard's single mutator is the caller); the returned swap only assigns the copies. A million-face shard
   * copies about 700 MB, which searches no longer wait for.
   */
  @Override
  public Runnable prepareResize(int newCapacity) {
    if (newCapacity < allocated.get()) {
      throw new IllegalArgumentException("cannot shrink below " + allocated.get() + " nodes");
    }
    checkFits(newCapacity);
    float[] v = Arrays.copyOf(vectors, newCapacity * dim);
    int[] l0 = Arrays.copyOf(links0, newCapacity * (m0 + 1));
    int[][] up = Arrays.copyOf(upper, newCapacity);
    byte[] lv = Arrays.copyOf(levels, newCapacity);
    byte[] del = Arrays.copyOf(deleted, newCapacity);
    FaceRef[] rf = Arrays.copyOf(refs, newCapacity);
    return () -> {
      capacity = newCapacity;
      vectors = v;
      links0 = l0;
      upper = up;
      levels = lv;
      deleted = del;
      refs = rf;
    };
  }

  @Override
  public void setEf(int ef) {
    this.ef = ef;
  }

  @Override
  public int size() {
    return lookup.size();
  }

  /** Nodes handed out, live and tombstoned. */
  int nodes() {
    return allocated.get();
  }

  // ---- reads ----

  @Override
  public IndexedFace get(UUID faceId) {
    Integer node = lookup.get(faceId);
    return node == null ? null : face(node);
  }

  private IndexedFace face(int node) {
    FaceRef r = refs[node];
    return new IndexedFace(r.faceId(), r.subjectId(), Arrays.copyOfRange(vectors, node * dim, (node + 1) * dim));
  }

  @Override
  public void forEach(java.util.function.Consumer<IndexedFace> action) {
    for (int node : lookup.values()) {
      action.accept(face(node));
    }
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    long e = entry;
    if (e == NONE) {
      return List.of();
    }
    Search s = borrow();
    try {
      int node = (int) e;
      float d = distance.distance(query, 0, vectors, node * dim, dim);
      for (int layer = (int) (e >>> 32); layer > 0; layer--) {
        node = s.greedy(query, 0, node, d, layer);
        d = s.greedyDistance;
      }
      Heap top = s.searchLayer(query, 0, node, Math.max(ef, k), 0, true);
      while (top.size > k) {
        top.pop();
      }
      Neighbour[] out = new Neighbour[top.size];
      for (int i = out.length - 1; i >= 0; i--) {
        int id = top.peekId();
        FaceRef r = refs[id];
        out[i] = new Neighbour(r.faceId(), r.subjectId(), -top.peekKey());
        top.pop();
      }
      return Arrays.asList(out);
    } finally {
      release(s);
    }
  }

  // ---- writes ----

  @Override
  public void put(IndexedFace face) {
    float[] v = face.vector();
    if (v.length != dim) {
      throw new IllegalArgumentException("vector has dimension " + v.length + ", graph expects " + dim);
    }
    FaceRef ref = new FaceRef(face.faceId(), face.subjectId());
    Integer existing = lookup.get(face.faceId());
    if (existing != null) {
      int old = existing;
      if (Arrays.equals(vectors, old * dim, (old + 1) * dim, v, 0, dim)) {
        refs[old] = ref; // only the subject changed: the node stays where it is in the graph
        return;
      }
      deleted[old] = 1;
      tombstones.incrementAndGet();
    }
    int node = allocated.getAndIncrement();
    if (node >= capacity) {
      allocated.decrementAndGet();
      throw new IllegalStateException("graph is full (" + capacity + " nodes)");
    }
    System.arraycopy(v, 0, vectors, node * dim, dim);
    refs[node] = ref;
    int level = randomLevel(node);
    levels[node] = (byte) level;
    if (level > 0) {
      upper[node] = new int[level * (m + 1)];
    }
    link(node, level);
    lookup.put(face.faceId(), node);
  }

  @Override
  public boolean remove(UUID faceId) {
    Integer node = lookup.remove(faceId);
    if (node == null) {
      return false;
    }
    deleted[node] = 1;
    tombstones.incrementAndGet();
    return true;
  }

  /** Level of a node: geometric with ratio 1/M as in the paper, drawn from its id so that a rebuild repeats it. */
  private int randomLevel(int node) {
    long z = (node + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
    z ^= z >>> 29;
    double u = ((z >>> 11) + 1) * 0x1.0p-53; // (0, 1]
    return (int) Math.min(MAX_LEVEL, -Math.log(u) * levelMultiplier);
  }

  /** Wires a node whose vector and level are in place into every layer up to its own. */
  private void link(int node, int level) {
    entryLock.lock();
    long e = entry;
    if (e == NONE) {
      entry = ((long) level << 32) | node;
      entryLock.unlock();
      return;
    }
    int top = (int) (e >>> 32);
    // A node that raises the top level holds the entry lock throughout, as hnswlib does, so two cannot race to it.
    boolean raising = level > top;
    if (!raising) {
      entryLock.unlock();
    }
    Search s = borrow();
    try {
      int q = node * dim;
      int cur = (int) e;
      float d = distance.distance(vectors, q, vectors, cur * dim, dim);
      for (int layer = top; layer > level; layer--) {
        cur = s.greedy(vectors, q, cur, d, layer);
        d = s.greedyDistance;
      }
      for (int layer = Math.min(level, top); layer >= 0; layer--) {
        Heap found = s.searchLayer(vectors, q, cur, efConstruction, layer, false);
        int n = found.drainAscending(s);
        cur = s.ids[0];
        int kept = s.select(s.ids, s.dists, n, m, s.selected);
        connect(node, layer, s.selected, kept, s);
      }
      if (raising) {
        entry = ((long) level << 32) | node;
      }
    } finally {
      release(s);
      if (raising) {
        entryLock.unlock();
      }
    }
  }

  /** Gives the node its neighbours on one layer and adds it to theirs, pruning a full list with the heuristic. */
  private void connect(int node, int layer, int[] neighbours, int count, Search s) {
    int[] list = list(node, layer);
    int base = base(node, layer);
    int max = layer == 0 ? m0 : m;
    synchronized (lock(node)) {
      int already = list[base];
      if (already == 0) {
        System.arraycopy(neighbours, 0, list, base + 1, count);
        INTS.setRelease(list, base, count);
      } else {
        // Concurrent inserts found this node and linked to it before its own list was written: keep those links.
        int n = 0;
        int q = node * dim;
        for (int i = 0; i < count; i++) {
          s.pruneIds[n] = neighbours[i];
          s.pruneDists[n++] = distance.distance(vectors, q, vectors, neighbours[i] * dim, dim);
        }
        for (int i = 1; i <= already; i++) {
          int id = list[base + i];
          if (!contains(neighbours, count, id)) {
            s.pruneIds[n] = id;
            s.pruneDists[n++] = distance.distance(vectors, q, vectors, id * dim, dim);
          }
        }
        sortByDistance(s.pruneIds, s.pruneDists, n);
        int kept = s.select(s.pruneIds, s.pruneDists, n, max, s.pruned);
        System.arraycopy(s.pruned, 0, list, base + 1, kept);
        INTS.setRelease(list, base, kept);
      }
    }
    for (int i = 0; i < count; i++) {
      int other = neighbours[i];
      int[] theirs = list(other, layer);
      int at = base(other, layer);
      synchronized (lock(other)) {
        int n = theirs[at];
        if (n < max) {
          theirs[at + 1 + n] = node;
          INTS.setRelease(theirs, at, n + 1);
          continue;
        }
        // Full: keep the heuristic's choice among its current neighbours and the new node.
        int o = other * dim;
        s.pruneIds[0] = node;
        s.pruneDists[0] = distance.distance(vectors, o, vectors, node * dim, dim);
        for (int j = 0; j < n; j++) {
          int id = theirs[at + 1 + j];
          s.pruneIds[j + 1] = id;
          s.pruneDists[j + 1] = distance.distance(vectors, o, vectors, id * dim, dim);
        }
        sortByDistance(s.pruneIds, s.pruneDists, n + 1);
        int kept = s.select(s.pruneIds, s.pruneDists, n + 1, max, s.pruned);
        System.arraycopy(s.pruned, 0, theirs, at + 1, kept);
        INTS.setRelease(theirs, at, kept);
      }
    }
  }

  private static boolean contains(int[] ids, int n, int id) {
    for (int i = 0; i < n; i++) {
      if (ids[i] == id) {
        return true;
      }
    }
    return false;
  }

  private Object lock(int node) {
    return locks[node & (STRIPES - 1)];
  }

  private int[] list(int node, int layer) {
    return layer == 0 ? links0 : upper[node];
  }

  private int base(int node, int layer) {
    return layer == 0 ? node * (m0 + 1) : (layer - 1) * (m + 1);
  }

  private static void sortByDistance(int[] ids, float[] dists, int n) {
    for (int i = 1; i < n; i++) {
      int id = ids[i];
      float d = dists[i];
      int j = i - 1;
      while (j >= 0 && dists[j] > d) {
        ids[j + 1] = ids[j];
        dists[j + 1] = dists[j];
        j--;
      }
      ids[j + 1] = id;
      dists[j + 1] = d;
    }
  }

  // ---- per-search scratch ----

  private Search borrow() {
    Search s = searches.pollFirst();
    if (s == null) {
      s = new Search();
    }
    s.prepare(capacity);
    return s;
  }

  private void release(Search s) {
    searches.offerFirst(s);
  }

  /** What one search or insert needs besides the graph: visited marks and two heaps, reused between searches. */
  private final class Search {
    private int[] visited = new int[0];
    private int stamp;
    private final Heap candidates = new Heap(64);
    private final Heap top = new Heap(64);
    int[] ids = new int[64];
    float[] dists = new float[64];
    final int[] selected = new int[m0 + 1];
    // Room for a full list plus the new links of one insert.
    final int[] pruneIds = new int[m0 + m + 1];
    final float[] pruneDists = new float[m0 + m + 1];
    final int[] pruned = new int[m0 + m + 1];
    float greedyDistance;

    void prepare(int cap) {
      if (visited.length < cap) {
        visited = new int[cap];
        stamp = 0;
      }
    }

    /** Walks one upper layer to the node nearest {@code q}; its distance is left in {@link #greedyDistance}. */
    int greedy(float[] q, int qOff, int from, float fromDistance, int layer) {
      int cur = from;
      float best = fromDistance;
      boolean moved = true;
      while (moved) {
        moved = false;
        int[] list = upper[cur];
        int base = (layer - 1) * (m + 1);
        int n = (int) INTS.getAcquire(list, base);
        for (int i = 1; i <= n; i++) {
          int c = list[base + i];
          float d = distance.distance(q, qOff, vectors, c * dim, dim);
          if (d < best) {
            best = d;
            cur = c;
            moved = true;
          }
        }
      }
      greedyDistance = best;
      return cur;
    }

    /**
     * The best-first search of one layer: returns the up to {@code ef} nearest nodes as a max-heap (negated keys);
     * live ones only for a query, tombstones too while inserting (they stay waypoints, and an insert must find
     * neighbours even among tombstones).
     */
    Heap searchLayer(float[] q, int qOff, int entryNode, int ef, int layer, boolean liveOnly) {
      // A fresh stamp per call (an insert searches several layers with one Search); on wrap-around, clear the marks.
      if (++stamp == 0) {
        Arrays.fill(visited, 0);
        stamp = 1;
      }
      int mark = stamp;
      candidates.clear();
      top.clear();
      // With tombstones, ef live results may lie past the point where the bound alone would stop.
      boolean exhaustive = liveOnly && tombstones.get() > 0;
      float d = distance.distance(q, qOff, vectors, entryNode * dim, dim);
      float bound = Float.POSITIVE_INFINITY;
      if (!liveOnly || deleted[entryNode] == 0) {
        top.push(entryNode, -d);
        bound = d;
      }
      candidates.push(entryNode, d);
      visited[entryNode] = mark;
      int stride = m0 + 1;
      while (candidates.size > 0) {
        if (candidates.peekKey() > bound && (top.size >= ef || !exhaustive)) {
          break;
        }
        int c = candidates.peekId();
        candidates.pop();
        int[] list;
        int base;
        if (layer == 0) {
          list = links0;
          base = c * stride;
        } else {
          list = upper[c];
          base = (layer - 1) * (m + 1);
        }
        int n = (int) INTS.getAcquire(list, base);
        for (int i = 1; i <= n; i++) {
          int nb = list[base + i];
          if (visited[nb] == mark) {
            continue;
          }
          visited[nb] = mark;
          float dn = distance.distance(q, qOff, vectors, nb * dim, dim);
          if (top.size < ef || dn < bound) {
            candidates.push(nb, dn);
            if (!liveOnly || deleted[nb] == 0) {
              top.push(nb, -dn);
              if (top.size > ef) {
                top.pop();
              }
              bound = -top.peekKey();
            }
          }
        }
      }
      return top;
    }

    /**
     * hnswlib's neighbour heuristic over candidates sorted nearest first: keep a candidate unless a kept one is
     * nearer to it than the base node is, so links spread in every direction instead of bunching in one cluster.
     */
    int select(int[] ids, float[] dists, int n, int max, int[] out) {
      if (n <= max) {
        System.arraycopy(ids, 0, out, 0, n);
        return n;
      }
      int kept = 0;
      for (int i = 0; i < n && kept < max; i++) {
        int c = ids[i];
        int co = c * dim;
        boolean good = true;
        for (int j = 0; j < kept; j++) {
          if (distance.distance(vectors, co, vectors, out[j] * dim, dim) < dists[i]) {
            good = false;
            break;
          }
        }
        if (good) {
          out[kept++] = c;
        }
      }
      return kept;
    }
  }

  /** A binary min-heap of (node, key) in two primitive arrays; a max-heap stores negated keys. */
  private static final class Heap {
    private int[] ids;
    private float[] keys;
    int size;

    Heap(int capacity) {
      ids = new int[capacity];
      keys = new float[capacity];
    }

    void clear() {
      size = 0;
    }

    int peekId() {
      return ids[0];
    }

    float peekKey() {
      return keys[0];
    }

    void push(int id, float key) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
        keys = Arrays.copyOf(keys, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (keys[parent] <= key) {
          break;
        }
        ids[i] = ids[parent];
        keys[i] = keys[parent];
        i = parent;
      }
      ids[i] = id;
      keys[i] = key;
    }

    void pop() {
      int last = --size;
      if (last == 0) {
        return;
      }
      int id = ids[last];
      float key = keys[last];
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        if (child + 1 < last && keys[child + 1] < keys[child]) {
          child++;
        }
        if (key <= keys[child]) {
          break;
        }
        ids[i] = ids[child];
        keys[i] = keys[child];
        i = child;
      }
      ids[i] = id;
      keys[i] = key;
    }

    /** Empties a max-heap (negated keys) into {@code s.ids}/{@code s.dists}, nearest first; returns the count. */
    int drainAscending(Search s) {
      int n = size;
      if (s.ids.length < n) {
        s.ids = new int[Math.max(n, 2 * s.ids.length)];
        s.dists = new float[s.ids.length];
      }
      for (int i = n - 1; i >= 0; i--) {
        s.ids[i] = ids[0];
        s.dists[i] = -keys[0];
        pop();
      }
      return n;
    }
  }

  // ---- snapshot payload ----

  /**
   * Layout: capacity, allocated nodes, entry (long), then per node its level, tombstone flag and the two ids (four
   * longs; a node never filled has level -1), then every vector, every layer-0 list and the upper lists of nodes
   * above layer 0, as raw big-endian arrays.
   */
  @Override
  public void write(DataOutputStream out) throws IOException {
    int n = allocated.get();
    out.writeInt(capacity);
    out.writeInt(n);
    out.writeLong(entry);
    for (int i = 0; i < n; i++) {
      FaceRef r = refs[i];
      out.writeByte(r == null ? -1 : levels[i]);
      out.writeByte(deleted[i]);
      if (r != null) {
        out.writeLong(r.faceId().getMostSignificantBits());
        out.writeLong(r.faceId().getLeastSignificantBits());
        out.writeLong(r.subjectId().getMostSignificantBits());
        out.writeLong(r.subjectId().getLeastSignificantBits());
      }
    }
    writeFloats(out, vectors, n * dim);
    writeInts(out, links0, 0, n * (m0 + 1));
    for (int i = 0; i < n; i++) {
      if (upper[i] != null) {
        writeInts(out, upper[i], 0, upper[i].length);
      }
    }
  }

  /** Reads what {@link #write} wrote, checking every id and count, so a bad file fails here and not in a search. */
  static PackedGraph read(DataInputStream in, int dim, int m, int efConstruction, int ef, InnerProduct distance)
      throws IOException {
    int cap = in.readInt();
    int n = in.readInt();
    long e = in.readLong();
    if (n < 0 || cap < n || cap < 1) {
      throw new IOException("bad node counts " + n + "/" + cap);
    }
    PackedGraph g = new PackedGraph(dim, m, efConstruction, ef, cap, distance);
    // A cold load is dominated by first touches of the heap the arrays land in, not by these loops (300,000 faces:
    // 3-5 s in a fresh JVM, 1.3 s with the heap pre-touched or 2.1 s on transparent huge pages, 0.6 s warm).
    int tomb = g.readNodes(in, n);
    readFloats(in, g.vectors, n * dim);
    readInts(in, g.links0, 0, n * (g.m0 + 1));
    checkLists(g.links0, n, g.m0 + 1, g.m0, n);
    g.readUpper(in, n);
    if (e != NONE) {
      int node = (int) e;
      int top = (int) (e >>> 32);
      if (node < 0 || node >= n || g.refs[node] == null || g.levels[node] != top) {
        throw new IOException("bad entry point");
      }
    } else if (n > 0) {
      throw new IOException("nodes without an entry point");
    }
    g.entry = e;
    g.allocated.set(n);
    g.tombstones.set(tomb);
    return g;
  }

  /** The per-node records: levels, tombstones, ids, the id lookup; returns the tombstones. */
  private int readNodes(DataInputStream in, int n) throws IOException {
    int tomb = 0;
    for (int i = 0; i < n; i++) {
      int level = in.readByte();
      byte del = in.readByte();
      if (level < -1 || level > MAX_LEVEL || (del != 0 && del != 1)) {
        throw new IOException("bad node " + i);
      }
      if (level == -1) {
        deleted[i] = 1; // never filled (an insert that failed): a dead slot
        tomb++;
        continue;
      }
      levels[i] = (byte) level;
      deleted[i] = del;
      FaceRef r = new FaceRef(new UUID(in.readLong(), in.readLong()), new UUID(in.readLong(), in.readLong()));
      refs[i] = r;
      if (level > 0) {
        upper[i] = new int[level * (m + 1)];
      }
      if (del != 0) {
        tomb++;
      } else if (lookup.put(r.faceId(), i) != null) {
        throw new IOException("face " + r.faceId() + " is live twice");
      }
    }
    return tomb;
  }

  /** The upper layers' lists of the nodes that have them, in node order. */
  private void readUpper(DataInputStream in, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      int[] list = upper[i];
      if (list != null) {
        readInts(in, list, 0, list.length);
        checkLists(list, levels[i], m + 1, m, n);
      }
    }
  }

  /** {@code lists} link lists of {@code stride} ints from 0: each a count up to {@code max}, then ids below n. */
  private static void checkLists(int[] list, int lists, int stride, int max, int n) throws IOException {
    for (int base = 0, end = lists * stride; base < end; base += stride) {
      int count = list[base];
      if (count < 0 || count > max) {
        throw new IOException("bad link count " + count);
      }
      for (int i = base + 1, last = base + count; i <= last; i++) {
        if (list[i] < 0 || list[i] >= n) {
          throw new IOException("link to node " + list[i] + " of " + n);
        }
      }
    }
  }

  private static final int CHUNK = 1 << 14;

  private static void writeFloats(DataOutputStream out, float[] a, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4);
    for (int i = 0; i < len; i += CHUNK) {
      int k = Math.min(CHUNK, len - i);
      buf.clear();
      buf.asFloatBuffer().put(a, i, k);
      out.write(buf.array(), 0, k * 4);
    }
  }

  private static void writeInts(DataOutputStream out, int[] a, int off, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4);
    for (int i = 0; i < len; i += CHUNK) {
      int k = Math.min(CHUNK, len - i);
      buf.clear();
      buf.asIntBuffer().put(a, off + i, k);
      out.write(buf.array(), 0, k * 4);
    }
  }

  private static void readFloats(DataInputStream in, float[] a, int len) throws IOException {
    byte[] bytes = new byte[CHUNK * 4];
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (int i = 0; i < len; i += CHUNK) {
      int k = Math.min(CHUNK, len - i);
      in.readFully(bytes, 0, k * 4);
      buf.clear();
      buf.asFloatBuffer().get(a, i, k);
    }
  }

  private static void readInts(DataInputStream in, int[] a, int off, int len) throws IOException {
    byte[] bytes = new byte[CHUNK * 4];
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (int i = 0; i < len; i += CHUNK) {
      int k = Math.min(CHUNK, len - i);
      in.readFully(bytes, 0, k * 4);
      buf.clear();
      buf.asIntBuffer().get(a, off + i, k);
    }
  }
}
