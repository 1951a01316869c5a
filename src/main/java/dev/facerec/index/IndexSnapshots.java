package dev.facerec.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where shard snapshots live: one file per collection under a directory.
 *
 * <p>A collection name may hold any character (slashes, dots, Unicode), so the file name is the
 * lower-case hex of its UTF-8 bytes, {@code c-<hex>.hnsw}; hex rather than base64 because it also
 * stays distinct on case-insensitive file systems. Names over {@value #MAX_HEX_NAME_BYTES} bytes
 * would make an over-long file name and use {@code s-<sha256 hex>.hnsw} instead; the collection
 * name in the snapshot header is checked on load either way.
 */
public final class IndexSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(IndexSnapshots.class);

  public static final String SUFFIX = ".hnsw";
  static final int MAX_HEX_NAME_BYTES = 100;

  private final Path dir;

  public IndexSnapshots(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  public Path dir() {
    return dir;
  }

  /** The snapshot file of a collection. */
  public Path fileFor(String collection) {
    return dir.resolve(fileNameFor(collection));
  }

  /** A file-system-safe, collision-free file name for any collection name. */
  public static String fileNameFor(String collection) {
    Objects.requireNonNull(collection, "collection");
    byte[] utf8 = collection.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_HEX_NAME_BYTES) {
      return "c-" + HexFormat.of().formatHex(utf8) + SUFFIX;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(utf8);
      return "s-" + HexFormat.of().formatHex(digest) + SUFFIX;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Saves one shard to its collection's file. */
  public void save(HnswShard shard) throws IOException {
    shard.save(fileFor(shard.collection()));
  }

  /**
   * Saves every shard. A failure does not stop the others; when any failed, the exception thrown
   * at the end carries each failure as a suppressed exception.
   */
  public void saveAll(Collection<HnswShard> shards) throws IOException {
    IOException failed = null;
    for (HnswShard shard : shards) {
      try {
        save(shard);
      } catch (IOException | RuntimeException e) {
        LOG.warn("Could not save the index of collection {}: {}", shard.collection(), e.toString());
        if (failed == null) {
          failed = new IOException("could not save every index snapshot");
        }
        failed.addSuppressed(e);
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * The saved shard of a collection, or null when there is none usable (missing, corrupt, another
   * model, dimension or graph parameters, or a file that belongs to another collection). The
   * reason is logged; the caller rebuilds from the store.
   */
  public HnswShard loadOrNull(String collection, String modelId, int dimension, IndexParams params) {
    Path file = fileFor(collection);
    Optional<HnswShard> shard = HnswShard.load(file, modelId, dimension, params);
    if (shard.isPresent() && !shard.get().collection().equals(collection)) {
      LOG.warn("Ignoring index snapshot {}: it holds collection {}, not {}", file, shard.get().collection(), collection);
      return null;
    }
    return shard.orElse(null);
  }

  static final String STATE_FILE = "state.json";

  /**
   * Records that every collection file in the directory reflects the change log at least up to {@code seq}
   * (written after the files, atomically): a restart replays the log from there.
   */
  public void saveState(long seq) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    Files.writeString(tmp, new io.vertx.core.json.JsonObject().put("appliedSeq", seq)
        .put("savedAt", java.time.Instant.now().toString()).encode(), StandardCharsets.UTF_8);
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(STATE_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The change-log position recorded by {@link #saveState}, or -1 when there is none (or it is unreadable). */
  public long loadState() {
    Path f = dir.resolve(STATE_FILE);
    try {
      if (!Files.isRegularFile(f)) {
        return -1;
      }
      return new io.vertx.core.json.JsonObject(Files.readString(f, StandardCharsets.UTF_8)).getLong("appliedSeq", -1L);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring index state {}: {}", f, e.toString());
      return -1;
    }
  }

  /** Deletes a collection's snapshot; returns false when there was none. */
  public boolean delete(String collection) throws IOException {
    return Files.deleteIfExists(fileFor(collection));
  }
}
