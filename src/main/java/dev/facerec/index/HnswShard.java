package dev.facerec.index;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HNSW index for one collection and one embedding model: cosine similarity search over face embeddings, with
 * growth, removal, snapshots and reconciliation against the store. The graph itself is a {@link ShardGraph} of the
 * configured {@link IndexEngine}.
 *
 * <p>Vectors are L2-normalised on the way in (a copy is stored), so the graph uses the inner
 * product distance {@code 1 - a.b}, which equals cosine distance on unit vectors and skips the two
 * norms per distance that a cosine function computes. Reported similarity is {@code
 * 1 - distance}, i.e. cosine similarity, clamped to [-1, 1].
 *
 * <p>Threading: searches run concurrently with each other and with mutations. Mutations ({@code
 * add}, {@code addAll}, {@code remove}, {@code reconcile}) and {@link #save} are serialised by one
 * lock; {@code addAll} then inserts with several threads. Growing the graph briefly blocks
 * searches.
 *
 * <p>Subjects: the shard also knows which of its faces belong to each subject and keeps, for every subject with two
 * or more faces, their centroid (the unit-length mean of the unit face vectors). Each hit carries the probe's
 * cosine to its subject's centroid beside its own: with subjects sharded whole ({@link Shards}), that is the subject's
 * template score, the score identify decides on.
 *
 * <p>Capacity: the graph has a fixed maximum node count and keeps removed or replaced items as
 * tombstone nodes. The shard counts allocated nodes; when a mutation would overflow, it doubles
 * the capacity, or, when tombstones outnumber live items, rebuilds a compact graph (searches keep
 * using the old graph while the new one is built).
 */
public final class HnswShard {
  private static final Logger LOG = LoggerFactory.getLogger(HnswShard.class);

  /** Snapshot file magic: ASCII "FRHX". */
  static final int MAGIC = 0x46524858;
  /**
   * 3: the header names the engine, whose payload follows. 2: hnswlib-core only; 1: sharded by face id (its shards
   * may split a subject). Older formats are refused, and the shard is rebuilt from the store.
   */
  static final int FORMAT_VERSION = 3;
  /**
   * Node slots of a new shard. The packed graph allocates its arrays up front (about 2.3 KB a slot at 512-d), so it
   * starts small and doubles: a deployment with many small collections would otherwise hold megabytes per empty one.
   */
  static int initialCapacity(IndexEngine engine) {
    return engine == IndexEngine.PACKED ? 64 : 1024;
  }
  /** Trailer: payload length (long) then CRC32 of every preceding byte (long). */
  private static final int TRAILER_BYTES = 16;
  private static final int MAX_NAME_BYTES = 1024;
  /** Below this many items per thread, thread start-up costs more than it saves. */
  private static final int ITEMS_PER_THREAD = 256;
  private static final float UNIT_TOLERANCE = 1e-4f;

  private final String collection;
  private final String modelId;
  private final int dimension;
  private final int m;
  private final int efConstruction;
  private final int initialCapacity;
  private final IndexEngine engine;
  private volatile int efSearch;

  private volatile ShardGraph index;
  /** Nodes the graph has allocated, live plus tombstones; written only under {@link #mutation}. */
  private final AtomicInteger nodesUsed = new AtomicInteger();
  private final ReentrantLock mutation = new ReentrantLock();
  /** Read: any use of {@link #index}. Write: resizing or swapping it (a resize is unsafe with searches). */
  private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
  private volatile Instant snapshotTime;
  private InnerProduct distance = InnerProduct.best();
  /**
   * Subject id to its face ids here: one {@link UUID} for a subject with one face (the common case, no array), a
   * {@code UUID[]} for several. Written and read only under {@link #mutation}.
   */
  private final Map<UUID, Object> members = new HashMap<>();
  /** Centroid of each subject with two or more faces here; read by searches without a lock. */
  private final Map<UUID, float[]> centroids = new java.util.concurrent.ConcurrentHashMap<>();

  /** An empty shard. */
  public HnswShard(String collection, String modelId, int dimension, IndexParams params) {
    this(collection, modelId, dimension, params, initialCapacity(params.engine()));
  }

  /** An empty shard computing distances with {@code distance} (benchmarks compare the scalar loop with the Vector API). */
  public HnswShard(String collection, String modelId, int dimension, IndexParams params, InnerProduct distance) {
    this(collection, modelId, dimension, params, initialCapacity(params.engine()));
    this.distance = distance;
    this.index = newIndex(initialCapacity);
  }

  /** An empty shard with a chosen starting capacity (tests use a small one to exercise growth). */
  HnswShard(String collection, String modelId, int dimension, IndexParams params, int initialCapacity) {
    this.collection = checkName("collection", collection);
    this.modelId = checkName("modelId", modelId);
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
    }
    if (initialCapacity < 1) {
      throw new IllegalArgumentException("initialCapacity must be >= 1, got " + initialCapacity);
    }
    Objects.requireNonNull(params, "params");
    this.dimension = dimension;
    this.m = params.m();
    this.efConstruction = params.efConstruction();
    this.efSearch = params.efSearch();
    this.engine = params.engine();
    this.initialCapacity = initialCapacity;
    this.index = newIndex(initialCapacity);
  }

  private HnswShard(
      String collection,
      String modelId,
      int dimension,
      IndexParams params,
      ShardGraph loaded,
      int nodesUsed,
      Instant snapshotTime) {
    this(collection, modelId, dimension, params, initialCapacity(params.engine()));
    loaded.setEf(params.efSearch());
    this.index = loaded;
    this.nodesUsed.set(nodesUsed);
    this.snapshotTime = snapshotTime;
    Set<UUID> subjects = new HashSet<>();
    loaded.forEach(f -> {
      link(f.subjectId(), f.faceId());
      subjects.add(f.subjectId());
    });
    subjects.forEach(this::retemplate);
  }

  // ---- mutations ----

  /**
   * Adds a face, or replaces the stored one with the same face id.
   *
   * @throws IllegalArgumentException for a vector of another dimension, non-finite or all zero
   */
  public void add(IndexedFace face) {
    IndexedFace item = prepare(face);
    mutation.lock();
    try {
      ensureCapacity(1);
      insertAll(List.of(item));
    } finally {
      mutation.unlock();
    }
  }

  /**
   * Adds or replaces many faces, inserting with up to one thread per core. All vectors are checked
   * before any is inserted; when a face id repeats, the last one wins.
   */
  public void addAll(Collection<IndexedFace> faces) {
    List<IndexedFace> items = new ArrayList<>(prepareAll(faces).values());
    if (items.isEmpty()) {
      return;
    }
    mutation.lock();
    try {
      ensureCapacity(items.size());
      insertAll(items);
    } finally {
      mutation.unlock();
    }
  }

  /** Removes a face; returns false when it was not in the index. */
  public boolean remove(UUID faceId) {
    Objects.requireNonNull(faceId, "faceId");
    mutation.lock();
    try {
      IndexedFace before = index.get(faceId);
      if (before == null || !index.remove(faceId)) {
        return false;
      }
      unlink(before.subjectId(), faceId);
      retemplate(before.subjectId());
      return true;
    } finally {
      mutation.unlock();
    }
  }

  /**
   * Makes the index hold exactly {@code truth}: adds the faces it lacks, removes ids that are not
   * in the truth, and re-inserts faces whose vector or subject differs.
   */
  public ReconcileResult reconcile(Collection<IndexedFace> truth) {
    Map<UUID, IndexedFace> wanted = prepareAll(truth);
    mutation.lock();
    try {
      Map<UUID, IndexedFace> current = new HashMap<>();
      for (IndexedFace f : items()) {
        current.put(f.faceId(), f);
      }
      int removed = 0;
      Set<UUID> touched = new HashSet<>();
      for (IndexedFace f : current.values()) {
        if (!wanted.containsKey(f.faceId()) && index.remove(f.faceId())) {
          removed++;
          unlink(f.subjectId(), f.faceId());
          touched.add(f.subjectId());
        }
      }
      touched.forEach(this::retemplate);
      int added = 0;
      int updated = 0;
      List<IndexedFace> toInsert = new ArrayList<>();
      for (IndexedFace f : wanted.values()) {
        IndexedFace have = current.get(f.faceId());
        if (have == null) {
          added++;
          toInsert.add(f);
        } else if (!have.equals(f)) {
          updated++;
          toInsert.add(f);
        }
      }
      if (!toInsert.isEmpty()) {
        ensureCapacity(toInsert.size());
        insertAll(toInsert);
      }
      return new ReconcileResult(added, removed, updated);
    } finally {
      mutation.unlock();
    }
  }

  /** Changes the search-time candidate list size. */
  public void setEfSearch(int ef) {
    if (ef < 1) {
      throw new IllegalArgumentException("efSearch must be >= 1, got " + ef);
    }
    // Under the write lock so that every later search (read lock) sees the new value.
    swap.writeLock().lock();
    try {
      efSearch = ef;
      index.setEf(ef);
    } finally {
      swap.writeLock().unlock();
    }
  }

  // ---- queries ----

  /**
   * The {@code k} approximate nearest faces, most similar first (fewer when the shard is smaller).
   *
   * @throws IllegalArgumentException for a vector of another dimension, non-finite or all zero, or k < 1
   */
  public List<SearchHit> search(float[] vector, int k) {
    float[] query = normalisedCopy(vector);
    checkK(k);
    List<ShardGraph.Neighbour> results;
    swap.readLock().lock();
    try {
      results = index.nearest(query, k);
    } finally {
      swap.readLock().unlock();
    }
    List<SearchHit> hits = new ArrayList<>(results.size());
    Map<UUID, Float> bySubject = new HashMap<>();
    for (ShardGraph.Neighbour r : results) {
      float sim = similarity(1f - r.distance());
      hits.add(new SearchHit(r.faceId(), r.subjectId(), sim, subjectSimilarity(query, r.subjectId(), sim, bySubject)));
    }
    return hits;
  }

  /**
   * The {@code k} best subjects among those with a face among the nearest efSearch faces (the graph search explores
   * that many anyway), one hit each (its nearest face, carrying the subject's score), ranked by the subject's centroid
   * score when {@code byCentroid}, else by the nearest face. A subject with many faces would otherwise fill a face list
   * alone, and a centroid can rank far from its best face: a few noisy faces near the probe make a high best face and
   * a low centroid.
   */
  public List<SearchHit> searchSubjects(float[] vector, int k, boolean byCentroid) {
    checkK(k);
    Map<UUID, SearchHit> first = new LinkedHashMap<>();
    for (SearchHit h : search(vector, Math.max(k, efSearch))) {
      first.putIfAbsent(h.subjectId(), h);
    }
    List<SearchHit> subjects = new ArrayList<>(first.values());
    if (byCentroid) {
      subjects.sort((a, b) -> Float.compare(b.subjectSimilarity(), a.subjectSimilarity()));
    }
    return subjects.size() > k ? new ArrayList<>(subjects.subList(0, k)) : subjects;
  }

  /** The exact {@code k} nearest faces by brute force: the reference for measuring recall. */
  public List<SearchHit> exactSearch(float[] vector, int k) {
    float[] query = normalisedCopy(vector);
    checkK(k);
    // Min-heap on similarity holding the best k seen so far.
    PriorityQueue<SearchHit> best =
        new PriorityQueue<>(k + 1, (a, b) -> Float.compare(a.similarity(), b.similarity()));
    forEach(f -> {
      float sim = dot(query, f.vector());
      if (best.size() < k) {
        best.add(new SearchHit(f.faceId(), f.subjectId(), sim));
      } else if (sim > best.peek().similarity()) {
        best.poll();
        best.add(new SearchHit(f.faceId(), f.subjectId(), sim));
      }
    });
    List<SearchHit> hits = new ArrayList<>(best.size());
    Map<UUID, Float> bySubject = new HashMap<>();
    for (SearchHit h : best) {
      float sim = similarity(h.similarity());
      hits.add(new SearchHit(h.faceId(), h.subjectId(), sim, subjectSimilarity(query, h.subjectId(), sim, bySubject)));
    }
    hits.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
    return hits;
  }

  /**
   * The probe's cosine to the subject's centroid; a subject with one face here is that face ({@code faceSimilarity}).
   * {@code seen} caches it per search, as several hits often share a subject.
   */
  private float subjectSimilarity(float[] query, UUID subject, float faceSimilarity, Map<UUID, Float> seen) {
    Float known = seen.get(subject);
    if (known != null) {
      return known;
    }
    float[] c = centroids.get(subject);
    float s = c == null ? faceSimilarity : similarity(dot(query, c));
    seen.put(subject, s);
    return s;
  }

  /** The faces of {@code subject} in this shard. */
  int faceCount(UUID subject) {
    mutation.lock();
    try {
      Object m = members.get(subject);
      return m == null ? 0 : m instanceof UUID ? 1 : ((UUID[]) m).length;
    } finally {
      mutation.unlock();
    }
  }

  /** The centroid searches use for {@code subject}, or null when it has fewer than two faces here (tests). */
  float[] centroid(UUID subject) {
    return centroids.get(subject);
  }

  /** Live items (removed ones excluded). */
  public int size() {
    swap.readLock().lock();
    try {
      return index.size();
    } finally {
      swap.readLock().unlock();
    }
  }

  /** The stored face with this id, or null. */
  public IndexedFace get(UUID faceId) {
    swap.readLock().lock();
    try {
      return index.get(faceId);
    } finally {
      swap.readLock().unlock();
    }
  }

  /** The live items, as a copy. */
  public List<IndexedFace> items() {
    List<IndexedFace> out = new ArrayList<>();
    forEach(out::add);
    return out;
  }

  /** Ids of the live items, as an unmodifiable copy. */
  public Set<UUID> ids() {
    Set<UUID> ids = new HashSet<>();
    forEach(f -> ids.add(f.faceId()));
    return Collections.unmodifiableSet(ids);
  }

  /** Each live item in turn, without a copy of them all (a large shard's checksum). */
  public void forEach(Consumer<IndexedFace> action) {
    swap.readLock().lock();
    try {
      index.forEach(action);
    } finally {
      swap.readLock().unlock();
    }
  }

  public String collection() {
    return collection;
  }

  public String modelId() {
    return modelId;
  }

  public int dimension() {
    return dimension;
  }

  /** The parameters in force, with the current efSearch. */
  public IndexParams params() {
    return new IndexParams(m, efConstruction, efSearch, engine);
  }

  /** Node slots the graph has reserved; grows by doubling. */
  public int capacity() {
    return index.capacity();
  }

  /**
   * A rough heap estimate for this shard, for metrics and capacity planning.
   *
   * <p>With n allocated nodes (live items plus tombstones not yet compacted), d the dimension, M
   * the link count, C the capacity, P the number of cores and S the subjects with several faces:
   *
   * <pre>
   * packed (arrays sized to the capacity):
   *   bytes = C * (4d + 8M + 14)      vectors, layer-0 lists (2M ids and a count), level, tombstone, two references
   *         + C * 4 * (P + 1)         visited marks of the searches in flight
   *         + n * (148                the two ids (UUIDs and their holder) and the id lookup
   *                + 4(M+1)/(M-1))    upper layers: expected 1/(M-1) extra levels of M ids and a count
   * hnswlib-core:
   *   bytes = n * (4d + 16            the float[] vector
   *                + 8M + 40          layer-0 links: up to 2M ints in an IntArrayList
   *                + (4M + 40)/(M-1)  upper layers: expected 1/(M-1) extra levels of up to M ints
   *                + 240)             IndexedFace + 2 UUIDs, hnswlib Node, id lookup and lock maps
   *         + C * 4                   node reference array
   *         + C/8 * (P + 1)           hnswlib's visited bitsets (one per core, plus one)
   * both:
   *         + n * 48                  subject to faces map (at most one entry per face; shares the ids)
   *         + S * (4d + 80)           centroids
   * </pre>
   * Assumes compressed oops (heaps under 32 GiB). hnswlib-core's per-node term matched the measured marginal cost
   * within 5% at 20k and 40k 128-d items with M=32 (~1,070 vs ~1,110 bytes); the packed one is checked by
   * {@code bash bench/run.sh million}.
   */
  public long estimatedMemoryBytes() {
    long n = nodesUsed.get();
    long c = capacity();
    long cores = Runtime.getRuntime().availableProcessors();
    long graph = switch (engine) {
      case PACKED -> c * (4L * dimension + 8L * m + 14) + c * 4 * (cores + 1) + n * (148 + 4L * (m + 1) / (m - 1));
      case HNSWLIB -> n * (4L * dimension + 16 + 8L * m + 40 + (4L * m + 40) / (m - 1) + 240) + c * 4 + c / 8 * (cores + 1);
    };
    return graph + n * 48 + (long) centroids.size() * (4L * dimension + 80);
  }

  /** When this shard was last saved or loaded; null if never. */
  public Instant snapshotTime() {
    return snapshotTime;
  }

  // ---- snapshots ----

  /**
   * Writes the shard to {@code file} atomically: a temporary file in the same directory, forced to
   * disk, then moved over the target. Layout: header (magic, format version, engine, collection, model id,
   * dimension, M, efConstruction, efSearch, item count, node count, timestamp), the engine's graph
   * ({@link ShardGraph#write}), then the payload length and a CRC32 of every preceding byte.
   *
   * <p>Mutations wait while saving; searches continue.
   */
  public void save(Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    mutation.lock();
    try {
      Instant now = Instant.now();
      Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      try {
        try (FileOutputStream fos = new FileOutputStream(tmp.toFile())) {
          CRC32 crc = new CRC32();
          DataOutputStream out =
              new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(fos, 1 << 16), crc));
          out.writeInt(MAGIC);
          out.writeInt(FORMAT_VERSION);
          out.writeUTF(engine.configName());
          out.writeUTF(collection);
          out.writeUTF(modelId);
          out.writeInt(dimension);
          out.writeInt(m);
          out.writeInt(efConstruction);
          out.writeInt(efSearch);
          out.writeInt(index.size());
          out.writeInt(nodesUsed.get());
          out.writeLong(now.toEpochMilli());
          CountingOutputStream payload = new CountingOutputStream(out);
          DataOutputStream graphOut = new DataOutputStream(payload);
          index.write(graphOut);
          graphOut.flush();
          out.writeLong(payload.count);
          out.flush();
          out.writeLong(crc.getValue());
          out.flush();
          fos.getChannel().force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(dir);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      snapshotTime = Instant.ofEpochMilli(now.toEpochMilli());
    } finally {
      mutation.unlock();
    }
  }

  /**
   * Reads a snapshot written by {@link #save}. Returns empty, after logging why, when the file is
   * missing, truncated or corrupt (CRC mismatch), of another format or engine, or built for another model,
   * dimension, M or efConstruction (the caller then rebuilds from the store, so a parameter change
   * takes effect). efSearch comes from {@code params}, not from the file. Never throws for a bad
   * file.
   */
  public static Optional<HnswShard> load(
      Path file, String expectedModelId, int expectedDimension, IndexParams params) {
    try {
      return Optional.ofNullable(read(file, expectedModelId, expectedDimension, params));
    } catch (NoSuchFileException e) {
      LOG.info("No index snapshot at {}", file);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring index snapshot {}: {}", file, e.toString());
    }
    return Optional.empty();
  }

  private static HnswShard read(Path file, String expectedModelId, int expectedDimension, IndexParams params)
      throws IOException {
    long size = Files.size(file);
    verifyChecksum(file, size);
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CountingInputStream counted = new CountingInputStream(raw);
      DataInputStream in = new DataInputStream(counted);
      if (in.readInt() != MAGIC) {
        return reject(file, "not an index snapshot (bad magic)");
      }
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        return reject(file, "format version " + version + ", expected " + FORMAT_VERSION);
      }
      String engineName = in.readUTF();
      if (!engineName.equals(params.engine().configName())) {
        return reject(file, "built by engine " + engineName + ", configured " + params.engine().configName());
      }
      String collection = in.readUTF();
      String modelId = in.readUTF();
      int dimension = in.readInt();
      int m = in.readInt();
      int efConstruction = in.readInt();
      in.readInt(); // efSearch at save time: the caller's params win
      int itemCount = in.readInt();
      int nodesUsed = in.readInt();
      Instant savedAt = Instant.ofEpochMilli(in.readLong());
      if (!modelId.equals(expectedModelId)) {
        return reject(file, "built for model " + modelId + ", expected " + expectedModelId);
      }
      if (dimension != expectedDimension) {
        return reject(file, "dimension " + dimension + ", expected " + expectedDimension);
      }
      if (m != params.m() || efConstruction != params.efConstruction()) {
        return reject(file, "built with M=" + m + " efConstruction=" + efConstruction
            + ", configured M=" + params.m() + " efConstruction=" + params.efConstruction());
      }
      long payloadLength = size - counted.count - TRAILER_BYTES;
      if (payloadLength <= 0 || payloadLength != trailerPayloadLength(file, size)) {
        return reject(file, "payload length does not match the trailer");
      }
      DataInputStream payload = new DataInputStream(new LimitedInputStream(in, payloadLength));
      ShardGraph index = switch (params.engine()) {
        case PACKED -> PackedGraph.read(payload, dimension, m, efConstruction, params.efSearch(), InnerProduct.best());
        case HNSWLIB -> HnswlibGraph.read(payload, dimension, params.efSearch());
      };
      if (index.size() != itemCount) {
        return reject(file, "index contents do not match the header");
      }
      HnswShard shard = new HnswShard(collection, modelId, dimension, params, index, nodesUsed, savedAt);
      LOG.info("Loaded index snapshot {}: collection {}, {} faces, saved {}", file, collection, itemCount, savedAt);
      return shard;
    }
  }

  /** Makes the rename itself durable; not every platform can open a directory, which is fine. */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      LOG.debug("Could not sync directory {}: {}", dir, e.toString());
    }
  }

  private static HnswShard reject(Path file, String why) {
    LOG.warn("Ignoring index snapshot {}: {}", file, why);
    return null;
  }

  /** First pass over the file: the CRC must match before anything is deserialized. */
  private static void verifyChecksum(Path file, long size) throws IOException {
    if (size < 8 + TRAILER_BYTES) {
      throw new IOException("file too short (" + size + " bytes), truncated");
    }
    CRC32 crc = new CRC32();
    try (InputStream in = new CheckedInputStream(
        new LimitedInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), size - 8), crc)) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // reading feeds the CRC
      }
    }
    long stored = readLongAt(file, size - 8);
    if (stored != crc.getValue()) {
      throw new IOException("checksum mismatch, file is truncated or corrupt");
    }
  }

  private static long trailerPayloadLength(Path file, long size) throws IOException {
    return readLongAt(file, size - TRAILER_BYTES);
  }

  private static long readLongAt(Path file, long position) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.position(position);
      ByteBuffer buf = ByteBuffer.allocate(8);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          throw new EOFException("unexpected end of " + file);
        }
      }
      return buf.flip().getLong();
    }
  }

  // ---- internals ----

  private ShardGraph newIndex(int capacity) {
    return switch (engine) {
      case PACKED -> new PackedGraph(dimension, m, efConstruction, efSearch, capacity, distance);
      case HNSWLIB -> new HnswlibGraph(dimension, m, efConstruction, efSearch, capacity, distance);
    };
  }

  /**
   * Inserts prepared items (in parallel when there are many), then brings the subjects they join or leave up to
   * date; caller holds {@link #mutation} and has ensured capacity.
   */
  private void insertAll(List<IndexedFace> items) {
    ShardGraph target = index;
    List<IndexedFace> before = new ArrayList<>(items.size());
    for (IndexedFace item : items) {
      before.add(target.get(item.faceId()));
    }
    forEachParallel(java.util.stream.IntStream.range(0, items.size()).boxed().toList(), i -> insert(target, items.get(i), before.get(i)));
    Set<UUID> touched = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      IndexedFace was = before.get(i);
      IndexedFace now = items.get(i);
      if (was != null && was.equals(now)) {
        continue;
      }
      if (was != null) {
        unlink(was.subjectId(), was.faceId());
        touched.add(was.subjectId());
      }
      link(now.subjectId(), now.faceId());
      touched.add(now.subjectId());
    }
    touched.forEach(this::retemplate);
  }

  /** Records {@code face} as one of {@code subject}'s; caller holds {@link #mutation}. */
  private void link(UUID subject, UUID face) {
    Object m = members.get(subject);
    if (m == null) {
      members.put(subject, face);
    } else if (m instanceof UUID one) {
      if (!one.equals(face)) {
        members.put(subject, new UUID[] {one, face});
      }
    } else {
      UUID[] many = (UUID[]) m;
      if (!Arrays.asList(many).contains(face)) {
        UUID[] grown = Arrays.copyOf(many, many.length + 1);
        grown[many.length] = face;
        members.put(subject, grown);
      }
    }
  }

  /** Forgets {@code face} as one of {@code subject}'s; caller holds {@link #mutation}. */
  private void unlink(UUID subject, UUID face) {
    Object m = members.get(subject);
    if (m instanceof UUID one) {
      if (one.equals(face)) {
        members.remove(subject);
      }
    } else if (m instanceof UUID[] many) {
      UUID[] left = Arrays.stream(many).filter(id -> !id.equals(face)).toArray(UUID[]::new);
      members.put(subject, left.length == 1 ? left[0] : left);
    }
  }

  /** Recomputes {@code subject}'s centroid from its faces' stored vectors; caller holds {@link #mutation}. */
  private void retemplate(UUID subject) {
    if (!(members.get(subject) instanceof UUID[] many)) {
      centroids.remove(subject);
      return;
    }
    double[] sum = new double[dimension];
    for (UUID id : many) {
        IndexedFace f = index.get(id);
      if (f == null) {
        throw new IllegalStateException("face " + id + " of subject " + subject + " is not in index " + collection);
      }
      float[] v = f.vector();
      for (int i = 0; i < dimension; i++) {
        sum[i] += v[i];
      }
    }
    double sq = 0;
    for (double x : sum) {
      sq += x * x;
    }
    float[] c = new float[dimension];
    double inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (int i = 0; i < dimension; i++) {
      c[i] = (float) (sum[i] * inv);
    }
    centroids.put(subject, c);
  }

  /** Inserts one prepared item over {@code existing} (null: none); caller holds {@link #mutation} and has ensured capacity. */
  private void insert(ShardGraph target, IndexedFace item, IndexedFace existing) {
    if (item.equals(existing)) {
      return; // unchanged: skip the graph work
    }
    // Both engines reuse the node when only the subject changed, else tombstone it and add a node.
    boolean newNode = existing == null || !Arrays.equals(existing.vector(), item.vector());
    target.put(item);
    if (newNode) {
      nodesUsed.incrementAndGet();
    }
  }

  /** Makes room for {@code extra} more nodes; caller holds {@link #mutation}. */
  private void ensureCapacity(int extra) {
    long needed = (long) nodesUsed.get() + extra;
    int capacity = index.capacity();
    if (needed <= capacity) {
      return;
    }
    int live = index.size();
    int tombstones = nodesUsed.get() - live;
    if (tombstones > live) {
      compact(live + extra);
      return;
    }
    int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * capacity, needed));
    long t0 = System.nanoTime();
    Runnable install = index.prepareResize(grown); // the copy, beside searches: this thread is the only mutator
    long t1 = System.nanoTime();
    swap.writeLock().lock();
    try {
      install.run();
    } finally {
      swap.writeLock().unlock();
    }
    long t2 = System.nanoTime();
    LOG.debug("Index {} grew from {} to {} nodes: copied in {} ms beside searches, which then paused {} µs", collection,
        capacity, grown, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000);
  }

  /** Rebuilds the graph without tombstones; searches use the old graph until the swap. */
  private void compact(long minCapacity) {
    List<IndexedFace> live = items();
    long capacity = Math.max(initialCapacity, 2L * minCapacity);
    ShardGraph fresh = newIndex((int) Math.min(Integer.MAX_VALUE - 8, capacity));
    forEachParallel(live, fresh::put);
    swap.writeLock().lock();
    try {
      fresh.setEf(efSearch);
      index = fresh;
      nodesUsed.set(live.size());
    } finally {
      swap.writeLock().unlock();
    }
    LOG.info("Index {} compacted to {} faces (capacity {})", collection, live.size(), fresh.capacity());
  }

  /** Runs {@code action} over the items with up to one thread per core. */
  private <T> void forEachParallel(List<T> items, Consumer<T> action) {
    int threads = Math.min(Runtime.getRuntime().availableProcessors(), items.size() / ITEMS_PER_THREAD);
    if (threads <= 1) {
      items.forEach(action);
      return;
    }
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "hnsw-insert-" + collection);
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> workers = new ArrayList<>(threads);
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement()) {
            action.accept(items.get(i));
          }
        }));
      }
      for (Future<?> w : workers) {
        w.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while indexing " + collection, e);
    } catch (ExecutionException e) {
      next.set(items.size()); // stop the other workers
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("indexing " + collection + " failed", cause);
    } finally {
      pool.shutdownNow();
    }
  }

  private Map<UUID, IndexedFace> prepareAll(Collection<IndexedFace> faces) {
    Objects.requireNonNull(faces, "faces");
    Map<UUID, IndexedFace> byId = new LinkedHashMap<>(faces.size() * 2);
    for (IndexedFace f : faces) {
      byId.put(f.faceId(), prepare(f));
    }
    return byId;
  }

  private IndexedFace prepare(IndexedFace face) {
    Objects.requireNonNull(face, "face");
    return new IndexedFace(face.faceId(), face.subjectId(), normalisedCopy(face.vector()));
  }

  /** Checks the dimension and values, returns a unit-length copy. */
  private float[] normalisedCopy(float[] v) {
    Objects.requireNonNull(v, "vector");
    if (v.length != dimension) {
      throw new IllegalArgumentException(
          "vector has dimension " + v.length + ", index " + collection + " expects " + dimension);
    }
    double sq = 0;
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("vector contains a non-finite value");
      }
      sq += (double) x * x;
    }
    if (sq == 0) {
      throw new IllegalArgumentException("vector is all zeros");
    }
    float[] copy = v.clone();
    double norm = Math.sqrt(sq);
    // Already unit length (the normal case): keep the values bit for bit.
    if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
      float inv = (float) (1 / norm);
      for (int i = 0; i < copy.length; i++) {
        copy[i] *= inv;
      }
    }
    return copy;
  }

  private static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Rounding can push a unit-vector dot product just past 1. */
  private static float similarity(float s) {
    return Math.max(-1f, Math.min(1f, s));
  }

  private static String checkName(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException(what + " is longer than " + MAX_NAME_BYTES + " UTF-8 bytes");
    }
    return value;
  }

  // ---- serialization helpers ----

  /** Counts bytes written through; close only flushes, so hnswlib cannot close the file. */
  private static final class CountingOutputStream extends FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = in.skip(n);
      count += s;
      return s;
    }
  }

  /** Reads at most {@code limit} bytes, then reports end of stream. */
  private static final class LimitedInputStream extends FilterInputStream {
    private long remaining;

    LimitedInputStream(InputStream in, long limit) {
      super(in);
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = in.skip(Math.min(n, remaining));
      remaining -= s;
      return s;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
