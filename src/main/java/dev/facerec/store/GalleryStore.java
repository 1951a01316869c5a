package dev.facerec.store;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * The gallery: collections, their subjects and each subject's face embeddings, in PostgreSQL. Every
 * method returns a future that fails with a {@link FaceException}: {@code SUBJECT_NOT_FOUND},
 * {@code FACE_NOT_FOUND}, {@code MODEL_MISMATCH}, {@code INVALID_REQUEST}, {@code DATABASE_UNAVAILABLE}
 * when the server cannot be reached, else {@code INTERNAL} with the driver's exception as cause.
 * Writes that span several statements run in one transaction and complete after the commit.
 *
 * <p>Embeddings are stored as float32 little-endian {@code bytea}, so they come back bit for bit.
 */
public final class GalleryStore {
  /** The largest page {@link #listSubjects} serves. */
  public static final int MAX_PAGE_SIZE = 1000;

  private static final String SUBJECT_COLUMNS =
      "s.id, s.collection, s.name, s.metadata, s.created_at, s.updated_at, "
          + "(SELECT count(*) FROM faces f WHERE f.subject_id = s.id) AS face_count";
  private static final String FACE_COLUMNS =
      "f.id, f.subject_id, f.collection, f.model_id, f.box_x, f.box_y, f.box_width, f.box_height, f.score, "
          + "f.created_at";

  private final Pool pool;
  private final int defaultShards;
  private final LastKnown lastKnown = new LastKnown();

  public GalleryStore(Pool pool) {
    this(pool, 1);
  }

  /** {@code defaultShards}: the index shard count a new collection gets (INDEX_SHARDS). */
  public GalleryStore(Pool pool, int defaultShards) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.defaultShards = defaultShards;
  }

  /** Subject names and collection settings as last known: identify answers from them while the database is unreachable. */
  public LastKnown lastKnown() {
    return lastKnown;
  }

  /** Fills {@link #lastKnown()} with every subject's name and every collection's settings (api nodes, at start). */
  public Future<Integer> preload() {
    Future<Integer> names = pool.query("SELECT id, name FROM subjects").execute().map(rows -> {
      Map<UUID, String> read = new HashMap<>();
      rows.forEach(r -> read.put(r.getUUID(0), r.getString(1)));
      lastKnown.readNames(read);
      return read.size();
    });
    Future<Void> settings = pool.query("SELECT name FROM collections").execute().compose(rows -> {
      List<Future<CollectionSettings>> all = new ArrayList<>();
      rows.forEach(r -> all.add(collectionSettings(r.getString(0))));
      return Future.all(all).mapEmpty();
    });
    return Future.all(names, settings).map(v -> names.result()).recover(GalleryStore::translate);
  }

  /** A person enrolled in a collection. */
  public record Subject(
      UUID id, String name, String collection, JsonObject metadata, int faceCount, Instant createdAt,
      Instant updatedAt) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("name", name)
          .put("collection", collection)
          .put("metadata", metadata == null ? new JsonObject() : metadata.copy())
          .put("faceCount", faceCount)
          .put("createdAt", createdAt.toString())
          .put("updatedAt", updatedAt.toString());
    }
  }

  /** One enrolled face; its embedding stays in the database (see {@link #embeddings(String)}). */
  public record FaceRecord(
      UUID id, UUID subjectId, String collection, String modelId, Box box, float score, Instant createdAt) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("subjectId", subjectId.toString())
          .put("collection", collection)
          .put("modelId", modelId)
          // whole pixels, as every box of the API (detect, identify, the OpenAPI Box)
          .put("box", new JsonObject()
              .put("x", Math.round(box.x()))
              .put("y", Math.round(box.y()))
              .put("width", Math.round(box.width()))
              .put("height", Math.round(box.height())))
          .put("score", score)
          .put("createdAt", createdAt.toString());
    }
  }

  /** A face's embedding, for building or reconciling the search index. */
  public record StoredEmbedding(UUID faceId, UUID subjectId, float[] vector) {}

  /** A committed write and the change-log sequence number it produced (0: nothing for the index). */
  public record Written<T>(T value, long seq, int shards) {
    public Written(T value, long seq) {
      this(value, seq, 1);
    }
  }

  /** A collection's embeddings as of change-log position {@code seq}, read in one snapshot. */
  public record Consistent(List<StoredEmbedding> embeddings, long seq) {}

  /** One page of a list; {@code page} counts from 0, {@code total} counts every item. */
  public record Page<T>(List<T> items, int page, int size, long total) {
    public JsonObject toJson(Function<T, JsonObject> item) {
      JsonArray array = new JsonArray();
      items.forEach(t -> array.add(item.apply(t)));
      return new JsonObject().put("items", array).put("page", page).put("size", size).put("total", total);
    }
  }

  // ---- subjects

  /** Enrolls a subject without faces, creating the collection on first use. */
  public Future<Subject> createSubject(String collection, String name, JsonObject metadata) {
    try {
      requireText(collection, "collection");
      requireText(name, "name");
    } catch (FaceException e) {
      return Future.failedFuture(e);
    }
    UUID id = UUID.randomUUID();
    JsonObject meta = metadata == null ? new JsonObject() : metadata;
    return pool.withTransaction(conn -> conn
            .preparedQuery("INSERT INTO collections (name, shards) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .execute(Tuple.of(collection, defaultShards))
            .compose(ignored -> conn
                .preparedQuery("INSERT INTO subjects (id, collection, name, metadata) VALUES ($1, $2, $3, $4) "
                    + "RETURNING created_at, updated_at")
                .execute(Tuple.of(id, collection, name, meta))))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Subject(id, name, collection, meta.copy(), 0, instant(row, "created_at"),
              instant(row, "updated_at"));
        })
        .onSuccess(subject -> lastKnown.named(id, name))
        .recover(GalleryStore::translate);
  }

  public Future<Subject> getSubject(UUID id) {
    return pool.preparedQuery("SELECT " + SUBJECT_COLUMNS + " FROM subjects s WHERE s.id = $1")
        .execute(Tuple.of(id))
        .map(rows -> subjectOf(rows, id))
        .recover(GalleryStore::translate);
  }

  /** A collection's subjects, oldest first; {@code page} counts from 0. An unknown collection is empty. */
  public Future<Page<Subject>> listSubjects(String collection, int page, int size) {
    if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
      return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST,
          "page must be 0 or more and size between 1 and " + MAX_PAGE_SIZE));
    }
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM subjects WHERE collection = $1")
        .execute(Tuple.of(collection))
        .map(rows -> rows.iterator().next().getLong(0));
    Future<List<Subject>> items = pool
        .preparedQuery("SELECT " + SUBJECT_COLUMNS + " FROM subjects s WHERE s.collection = $1 "
            + "ORDER BY s.created_at, s.id LIMIT $2 OFFSET $3")
        .execute(Tuple.of(collection, (long) size, (long) page * size))
        .map(rows -> {
          List<Subject> list = new ArrayList<>(rows.size());
          rows.forEach(row -> list.add(subject(row)));
          return list;
        });
    return Future.all(total, items)
        .map(all -> new Page<>(items.result(), page, size, total.result()))
        .recover(GalleryStore::translate);
  }

  /** Renames a subject and/or replaces its metadata (whole object, not merged); null leaves a field as is. */
  public Future<Subject> updateSubject(UUID id, String nameOrNull, JsonObject metadataOrNull) {
    if (nameOrNull == null && metadataOrNull == null) {
      return getSubject(id);
    }
    if (nameOrNull != null && nameOrNull.isBlank()) {
      return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "name must not be blank"));
    }
    return pool
        .preparedQuery("UPDATE subjects s SET name = COALESCE($2, s.name), metadata = COALESCE($3, s.metadata), "
            + "updated_at = now() WHERE s.id = $1 RETURNING " + SUBJECT_COLUMNS)
        .execute(Tuple.of(id, nameOrNull, metadataOrNull))
        .map(rows -> subjectOf(rows, id))
        .onSuccess(subject -> {
          if (nameOrNull != null) {
            lastKnown.named(id, subject.name());
          }
        })
        .recover(GalleryStore::translate);
  }

  /** Deletes a subject and its faces; the ids of the deleted faces let the caller drop them from the index. */
  public Future<Written<List<UUID>>> deleteSubject(UUID id) {
    return pool.withTransaction(conn -> conn
            // Row lock first: a concurrent addFace either commits before (and is returned) or fails after.
            .preparedQuery("SELECT collection FROM subjects WHERE id = $1 FOR UPDATE")
            .execute(Tuple.of(id))
            .compose(found -> {
              if (found.size() == 0) {
                return Future.failedFuture(subjectNotFound(id));
              }
              String collection = found.iterator().next().getString(0);
              return conn.preparedQuery("DELETE FROM faces WHERE subject_id = $1 RETURNING id")
                  .execute(Tuple.of(id))
                  .compose(faces -> {
                    List<UUID> ids = new ArrayList<>(faces.size());
                    faces.forEach(row -> ids.add(row.getUUID(0)));
                    return conn.preparedQuery("DELETE FROM subjects WHERE id = $1").execute(Tuple.of(id))
                        .compose(v -> ids.isEmpty() ? Future.succeededFuture(new long[] {0, 1}) : appendChange(conn, collection, "remove", ids, id))
                        .map(seq -> new Written<>(ids, seq[0], (int) seq[1]));
                  });
            }))
        .onSuccess(w -> lastKnown.deleted(id))
        .recover(GalleryStore::translate);
  }

  /** Names of the given subjects; unknown ids are absent from the map. */
  public Future<Map<UUID, String>> subjectNames(Collection<UUID> ids) {
    if (ids == null || ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    UUID[] array = ids.stream().filter(Objects::nonNull).distinct().toArray(UUID[]::new);
    return pool.preparedQuery("SELECT id, name FROM subjects WHERE id = ANY($1)")
        .execute(Tuple.tuple().addArrayOfUUID(array))
        .map(rows -> {
          Map<UUID, String> names = new HashMap<>();
          rows.forEach(row -> names.put(row.getUUID("id"), row.getString("name")));
          lastKnown.readNames(names);
          return names;
        })
        .recover(t -> unavailableReason(t) != null
            ? Future.succeededFuture(lastKnown.names(ids)) // the database is away: the names as last known
            : translate(t));
  }

  // ---- faces

  /**
   * Stores a face of a subject. The first face of a collection fixes its model and dimension; a face
   * from another model is refused with {@code MODEL_MISMATCH} while the collection holds faces (an
   * emptied collection takes the new model).
   */
  public Future<Written<FaceRecord>> addFace(
      UUID subjectId, float[] embedding, String modelId, DetectedFace face, String imageSha256) {
    try {
      requireText(modelId, "modelId");
      checkEmbedding(embedding);
      if (face == null || face.box() == null) {
        throw new FaceException(Failure.INVALID_REQUEST, "the face and its box are required");
      }
    } catch (FaceException e) {
      return Future.failedFuture(e);
    }
    UUID faceId = UUID.randomUUID();
    Box box = face.box();
    return pool.withTransaction(conn -> conn
            // KEY SHARE: blocks deleteSubject's FOR UPDATE until we commit, but not renames.
            .preparedQuery("SELECT collection FROM subjects WHERE id = $1 FOR KEY SHARE")
            .execute(Tuple.of(subjectId))
            .compose(subject -> {
              if (subject.size() == 0) {
                return Future.failedFuture(subjectNotFound(subjectId));
              }
              String collection = subject.iterator().next().getString(0);
              return bindModel(conn, collection, modelId, embedding.length).map(collection);
            })
            .compose(collection -> conn
                .preparedQuery("INSERT INTO faces (id, subject_id, collection, model_id, dimension, embedding, "
                    + "box_x, box_y, box_width, box_height, score, landmarks, image_sha256) "
                    + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING created_at")
                .execute(Tuple.from(new Object[] {faceId, subjectId, collection, modelId, embedding.length,
                    encode(embedding), box.x(), box.y(), box.width(), box.height(), face.score(),
                    landmarks(face.landmarks()), imageSha256}))
                .map(rows -> new FaceRecord(faceId, subjectId, collection, modelId, box, face.score(),
                    instant(rows.iterator().next(), "created_at")))
                .compose(rec -> appendChange(conn, collection, "add", List.of(faceId), subjectId).map(seq -> new Written<>(rec, seq[0], (int) seq[1])))))
        .recover(GalleryStore::translate);
  }

  /** Locks the collection row, so concurrent first faces of two models cannot both win. */
  private static Future<Void> bindModel(SqlClient conn, String collection, String modelId, int dimension) {
    return conn.preparedQuery("SELECT model_id, dimension FROM collections WHERE name = $1 FOR NO KEY UPDATE")
        .execute(Tuple.of(collection))
        .compose(rows -> {
          Row row = rows.iterator().next();
          String bound = row.getString("model_id");
          if (bound == null) {
            return setModel(conn, collection, modelId, dimension);
          }
          if (bound.equals(modelId)) {
            Integer boundDimension = row.getInteger("dimension");
            if (boundDimension != null && boundDimension != dimension) {
              return Future.failedFuture(new FaceException(Failure.MODEL_MISMATCH, "collection '" + collection
                  + "' holds " + boundDimension + "-float embeddings of model '" + bound + "', got "
                  + dimension + " floats"));
            }
            return Future.succeededFuture();
          }
          return conn.preparedQuery("SELECT EXISTS (SELECT 1 FROM faces WHERE collection = $1)")
              .execute(Tuple.of(collection))
              .compose(exists -> exists.iterator().next().getBoolean(0)
                  ? Future.failedFuture(new FaceException(Failure.MODEL_MISMATCH, "collection '" + collection
                      + "' holds embeddings of model '" + bound + "', not '" + modelId + "'"))
                  : setModel(conn, collection, modelId, dimension));
        });
  }

  private static Future<Void> setModel(SqlClient conn, String collection, String modelId, int dimension) {
    return conn.preparedQuery("UPDATE collections SET model_id = $2, dimension = $3 WHERE name = $1")
        .execute(Tuple.of(collection, modelId, dimension))
        .mapEmpty();
  }

  /** A subject's faces, oldest first. */
  public Future<List<FaceRecord>> listFaces(UUID subjectId) {
    return pool
        .preparedQuery("SELECT s.id AS sid, " + FACE_COLUMNS + " FROM subjects s "
            + "LEFT JOIN faces f ON f.subject_id = s.id WHERE s.id = $1 ORDER BY f.created_at, f.id")
        .execute(Tuple.of(subjectId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw subjectNotFound(subjectId);
          }
          List<FaceRecord> faces = new ArrayList<>(rows.size());
          for (Row row : rows) {
            if (row.getUUID("id") != null) {
              faces.add(faceRecord(row));
            }
          }
          return faces;
        })
        .recover(GalleryStore::translate);
  }

  /** Deletes one face of a subject and returns what it was. */
  public Future<Written<FaceRecord>> deleteFace(UUID subjectId, UUID faceId) {
    return pool.withTransaction(conn -> conn
            .preparedQuery("DELETE FROM faces f WHERE f.id = $1 AND f.subject_id = $2 RETURNING " + FACE_COLUMNS)
            .execute(Tuple.of(faceId, subjectId))
            .compose(rows -> {
              if (rows.size() > 0) {
                FaceRecord rec = faceRecord(rows.iterator().next());
                return appendChange(conn, rec.collection(), "remove", List.of(faceId), subjectId).map(seq -> new Written<>(rec, seq[0], (int) seq[1]));
              }
              // Only on a miss: tell an unknown subject from an unknown face.
              return conn.preparedQuery("SELECT 1 FROM subjects WHERE id = $1").execute(Tuple.of(subjectId))
                  .compose(subject -> Future.<Written<FaceRecord>>failedFuture(subject.size() == 0
                      ? subjectNotFound(subjectId)
                      : new FaceException(Failure.FACE_NOT_FOUND,
                          "no face " + faceId + " for subject " + subjectId)));
            }))
        .recover(GalleryStore::translate);
  }

  // ---- lookups by name (the CompreFace-compatible API addresses subjects by name within a collection)

  /** One face of a collection, its subject's name and its embedding. */
  public record NamedFace(UUID faceId, UUID subjectId, String subject, String collection, float[] embedding) {}

  /** The oldest subject of the collection with exactly this name, or null. */
  public Future<Subject> subjectByName(String collection, String name) {
    return pool.preparedQuery("SELECT " + SUBJECT_COLUMNS + " FROM subjects s WHERE s.collection = $1 AND s.name = $2 "
            + "ORDER BY s.created_at, s.id LIMIT 1")
        .execute(Tuple.of(collection, name))
        .map(rows -> rows.size() == 0 ? (Subject) null : subject(rows.iterator().next()))
        .recover(GalleryStore::translate);
  }

  /** The distinct subject names of a collection, in the order they were first created. */
  public Future<List<String>> subjectNamesOf(String collection) {
    return pool.preparedQuery("SELECT name FROM subjects WHERE collection = $1 GROUP BY name ORDER BY min(created_at), name")
        .execute(Tuple.of(collection))
        .map(rows -> {
          List<String> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(r.getString(0)));
          return out;
        })
        .recover(GalleryStore::translate);
  }

  /**
   * How many subjects of the collection have at least one face, and how many of them several (identify scores those by
   * their centroid): what sizes the 1:N threshold.
   */
  public Future<dev.facerec.recognition.GallerySize> gallerySize(String collection) {
    return pool.preparedQuery("SELECT count(*), count(*) FILTER (WHERE n > 1) FROM"
            + " (SELECT count(*) AS n FROM faces WHERE collection = $1 GROUP BY subject_id) s")
        .execute(Tuple.of(collection))
        .map(rows -> {
          var row = rows.iterator().next();
          return new dev.facerec.recognition.GallerySize(row.getLong(0), row.getLong(1));
        })
        .recover(GalleryStore::translate);
  }

  /**
   * A page of a collection's faces (oldest first) with their subjects' names, only those of {@code subjectId}
   * when it is not null; {@code page} counts from 0. Embeddings are not read.
   */
  public Future<Page<NamedFace>> collectionFaces(String collection, UUID subjectId, int page, int size) {
    if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
      return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST,
          "page must be 0 or more and size between 1 and " + MAX_PAGE_SIZE));
    }
    String where = " WHERE f.collection = $1" + (subjectId == null ? "" : " AND f.subject_id = $2");
    Tuple args = subjectId == null ? Tuple.of(collection) : Tuple.of(collection, subjectId);
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM faces f" + where).execute(args)
        .map(rows -> rows.iterator().next().getLong(0));
    Tuple pageArgs = subjectId == null ? Tuple.of(collection, (long) size, (long) page * size)
        : Tuple.of(collection, subjectId, (long) size, (long) page * size);
    int n = subjectId == null ? 2 : 3;
    Future<List<NamedFace>> items = pool.preparedQuery("SELECT f.id, f.subject_id, s.name FROM faces f JOIN subjects s ON s.id = f.subject_id"
            + where + " ORDER BY f.created_at, f.id LIMIT $" + n + " OFFSET $" + (n + 1))
        .execute(pageArgs)
        .map(rows -> {
          List<NamedFace> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(new NamedFace(r.getUUID(0), r.getUUID(1), r.getString(2), collection, null)));
          return out;
        });
    return Future.all(total, items).map(all -> new Page<>(items.result(), page, size, total.result()))
        .recover(GalleryStore::translate);
  }

  /** One face with its subject's name and its embedding; FACE_NOT_FOUND when there is none. */
  public Future<NamedFace> namedFace(UUID faceId) {
    return pool.preparedQuery("SELECT f.id, f.subject_id, s.name, f.collection, f.embedding FROM faces f "
            + "JOIN subjects s ON s.id = f.subject_id WHERE f.id = $1")
        .execute(Tuple.of(faceId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw new FaceException(Failure.FACE_NOT_FOUND, "no face " + faceId);
          }
          Row r = rows.iterator().next();
          return new NamedFace(r.getUUID(0), r.getUUID(1), r.getString(2), r.getString(3), decode(r.getBuffer(4)));
        })
        .recover(GalleryStore::translate);
  }

  /** Every face embedding of a collection, oldest first (loaded at once: for index builds). */
  public Future<List<StoredEmbedding>> embeddings(String collection) {
    return pool
        .preparedQuery("SELECT id, subject_id, embedding FROM faces WHERE collection = $1 ORDER BY created_at, id")
        .execute(Tuple.of(collection))
        .map(rows -> {
          List<StoredEmbedding> list = new ArrayList<>(rows.size());
          rows.forEach(row -> list.add(new StoredEmbedding(row.getUUID(0), row.getUUID(1), decode(row.getBuffer(2)))));
          return list;
        })
        .recover(GalleryStore::translate);
  }

  // ---- collections

  /** The model bound to each collection that holds faces. */
  public Future<Map<String, String>> collectionModels() {
    return pool
        .query("SELECT c.name, c.model_id FROM collections c WHERE c.model_id IS NOT NULL "
            + "AND EXISTS (SELECT 1 FROM faces f WHERE f.collection = c.name) ORDER BY c.name")
        .execute()
        .map(rows -> {
          Map<String, String> models = new LinkedHashMap<>();
          rows.forEach(row -> models.put(row.getString(0), row.getString(1)));
          return models;
        })
        .recover(GalleryStore::translate);
  }

  /** The embeddings of one subject's faces, oldest first (empty for an unknown subject: callers look it up first). */
  public Future<List<StoredEmbedding>> subjectEmbeddings(UUID subjectId) {
    return pool
        .preparedQuery("SELECT id, subject_id, embedding FROM faces WHERE subject_id = $1 ORDER BY created_at, id")
        .execute(Tuple.of(subjectId))
        .map(rows -> {
          List<StoredEmbedding> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(new StoredEmbedding(r.getUUID(0), r.getUUID(1),
              dev.facerec.bus.Vectors.fromBytes(r.getBuffer(2).getBytes()))));
          return out;
        })
        .recover(GalleryStore::translate);
  }

  /**
   * A collection's decision settings; all null when the collection has none (or does not exist yet).
   * {@code targetFmr} is only read back from collections set before {@code targetFpir} existed: identify refuses it.
   */
  public record CollectionSettings(Double threshold, Double targetFmr, Double targetFpir, Double minMargin) {
    public static final CollectionSettings NONE = new CollectionSettings(null, null, null, null);

    public JsonObject toJson() {
      JsonObject o = new JsonObject().put("threshold", threshold).put("targetFpir", targetFpir).put("minMargin", minMargin);
      return targetFmr == null ? o : o.put("targetFmr", targetFmr);
    }
  }

  public Future<CollectionSettings> collectionSettings(String collection) {
    return pool.preparedQuery("SELECT threshold, target_fmr, min_margin, target_fpir FROM collections WHERE name = $1")
        .execute(Tuple.of(collection))
        .map(rows -> {
          if (rows.size() == 0) {
            return CollectionSettings.NONE;
          }
          Row r = rows.iterator().next();
          Float t = r.getFloat(0);
          Float m = r.getFloat(2);
          return new CollectionSettings(t == null ? null : (double) t, r.getDouble(1), r.getDouble(3), m == null ? null : (double) m);
        })
        .onSuccess(read -> lastKnown.readSettings(collection, read))
        .recover(t -> unavailableReason(t) != null
            ? Future.succeededFuture(lastKnown.settings(collection)) // the database is away: the settings as last known
            : translate(t));
  }

  /** Replaces a collection's settings, creating the collection if needed. */
  public Future<Written<CollectionSettings>> putCollectionSettings(String collection, CollectionSettings s) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO collections (name, threshold, target_fmr, min_margin, shards, target_fpir) "
            + "VALUES ($1, $2, $3, $4, $5, $6) "
            + "ON CONFLICT (name) DO UPDATE SET threshold = EXCLUDED.threshold, target_fmr = EXCLUDED.target_fmr, "
            + "min_margin = EXCLUDED.min_margin, target_fpir = EXCLUDED.target_fpir")
        .execute(Tuple.of(collection, s.threshold() == null ? null : s.threshold().floatValue(), s.targetFmr(),
            s.minMargin() == null ? null : s.minMargin().floatValue(), defaultShards, s.targetFpir()))
        .compose(rows -> appendChange(conn, collection, "settings", List.of(), null))
        .map(seq -> new Written<>(s, seq[0], (int) seq[1])))
        .onSuccess(w -> lastKnown.settings(collection, s))
        .recover(GalleryStore::translate);
  }

  // ---- change log

  /**
   * Takes the next sequence number and logs the change; call last in the transaction, so the counter's row
   * lock is held only until the commit.
   */
  private static Future<long[]> appendChange(SqlClient conn, String collection, String op, List<UUID> faceIds, UUID subjectId) {
    return conn.preparedQuery("SELECT COALESCE(shards, 1) FROM collections WHERE name = $1").execute(Tuple.of(collection))
        .compose(sh -> conn.query("UPDATE change_seq SET seq = seq + 1 RETURNING seq").execute()
            .compose(rows -> {
              long seq = rows.iterator().next().getLong(0);
              int shards = sh.size() == 0 ? 1 : sh.iterator().next().getInteger(0);
              return conn.preparedQuery("INSERT INTO change_log (seq, collection, op, face_ids, subject_id, shards) VALUES ($1, $2, $3, $4, $5, $6)")
                  .execute(Tuple.of(seq, collection, op, faceIds.toArray(UUID[]::new), subjectId, shards))
                  .map(new long[] {seq, shards});
            }));
  }

  /** The sequence number of the last committed change. */
  public Future<Long> currentSeq() {
    return pool.query("SELECT seq FROM change_seq").execute()
        .map(rows -> rows.iterator().next().getLong(0))
        .recover(GalleryStore::translate);
  }

  /** The oldest change still in the log, or null when the log is empty (pruned or never written). */
  public Future<Long> oldestChange() {
    return pool.query("SELECT min(seq) FROM change_log").execute()
        .map(rows -> rows.iterator().next().getLong(0))
        .recover(GalleryStore::translate);
  }

  /** Changes after {@code afterSeq}, in order, at most {@code limit}; faces of an add that are gone since are left out. */
  public Future<List<dev.facerec.bus.IndexChange>> changesSince(long afterSeq, int limit) {
    return pool.preparedQuery("SELECT c.seq, c.collection, c.op, c.face_ids, c.subject_id, c.shards, f.id, f.subject_id, f.embedding "
            + "FROM (SELECT * FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2) c "
            + "LEFT JOIN faces f ON c.op = 'add' AND f.id = ANY(c.face_ids) ORDER BY c.seq, f.id")
        .execute(Tuple.of(afterSeq, limit))
        .map(rows -> {
          List<dev.facerec.bus.IndexChange> out = new ArrayList<>();
          long current = -1;
          List<dev.facerec.bus.IndexChange.Entry> adds = null;
          Row first = null;
          for (Row r : rows) {
            long seq = r.getLong(0);
            if (seq != current) {
              if (first != null) {
                out.add(change(first, adds));
              }
              current = seq;
              first = r;
              adds = new ArrayList<>();
            }
            if (r.getUUID(6) != null) {
              adds.add(new dev.facerec.bus.IndexChange.Entry(r.getUUID(6), r.getUUID(7), decode(r.getBuffer(8))));
            }
          }
          if (first != null) {
            out.add(change(first, adds));
          }
          return out;
        })
        .recover(GalleryStore::translate);
  }

  private static dev.facerec.bus.IndexChange change(Row r, List<dev.facerec.bus.IndexChange.Entry> adds) {
    long seq = r.getLong(0);
    String collection = r.getString(1);
    int shards = r.getInteger(5);
    return switch (r.getString(2)) {
      case "add" -> new dev.facerec.bus.IndexChange(seq, collection, shards, dev.facerec.bus.IndexChange.Op.ADD, List.copyOf(adds), List.of());
      case "remove" -> dev.facerec.bus.IndexChange.removing(seq, collection, shards, List.of(r.getArrayOfUUIDs(3)));
      default -> new dev.facerec.bus.IndexChange(seq, collection, shards, dev.facerec.bus.IndexChange.Op.SETTINGS, List.of(), List.of());
    };
  }

  /** One face of an import: ids kept from the export, so importing the same file twice adds nothing twice. */
  public record ImportedFace(UUID faceId, UUID subjectId, String subjectName, float[] vector) {}

  /**
   * Stores a batch of imported faces in one transaction with one change-log entry for the faces it added;
   * subjects and faces that already exist (same ids) are skipped. The collection's model must be
   * {@code modelId} (or unset). Returns the faces added and the entry's sequence number (0 when none).
   */
  public Future<Written<List<ImportedFace>>> importBatch(String collection, String modelId, List<ImportedFace> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture(new Written<>(List.of(), 0));
    }
    int dimension = batch.get(0).vector().length;
    for (ImportedFace f : batch) {
      try {
        checkEmbedding(f.vector());
        requireText(f.subjectName(), "subject name");
      } catch (FaceException e) {
        return Future.failedFuture(e);
      }
      if (f.vector().length != dimension) {
        return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "face " + f.faceId() + " has " + f.vector().length
            + " floats, the batch " + dimension));
      }
    }
    return pool.withTransaction(conn -> conn
            .preparedQuery("INSERT INTO collections (name, shards) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .execute(Tuple.of(collection, defaultShards))
            .compose(v -> bindModel(conn, collection, modelId, dimension))
            .compose(v -> conn.preparedQuery("INSERT INTO subjects (id, collection, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .executeBatch(batch.stream().map(f -> f.subjectId()).distinct()
                    .map(id -> Tuple.of(id, collection, batch.stream().filter(f -> f.subjectId().equals(id)).findFirst().orElseThrow().subjectName()))
                    .toList()))
            .compose(v -> conn.preparedQuery("SELECT id FROM subjects WHERE id = ANY($1) AND collection <> $2")
                .execute(Tuple.of(batch.stream().map(ImportedFace::subjectId).distinct().toArray(UUID[]::new), collection)))
            .compose(clash -> clash.size() > 0
                ? Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "subject " + clash.iterator().next().getUUID(0)
                    + " belongs to another collection"))
                : Future.succeededFuture())
            .compose(v -> conn.preparedQuery("INSERT INTO faces (id, subject_id, collection, model_id, dimension, embedding, "
                    + "box_x, box_y, box_width, box_height, score) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0) "
                    + "ON CONFLICT (id) DO NOTHING RETURNING id")
                .executeBatch(batch.stream().map(f -> Tuple.of(f.faceId(), f.subjectId(), collection, modelId, dimension, encode(f.vector()))).toList()))
            .compose(rows -> {
              java.util.Set<UUID> added = new java.util.HashSet<>();
              for (RowSet<Row> rs = rows; rs != null; rs = rs.next()) {
                rs.forEach(r -> added.add(r.getUUID(0)));
              }
              List<ImportedFace> in = batch.stream().filter(f -> added.contains(f.faceId())).toList();
              if (in.isEmpty()) {
                return Future.succeededFuture(new Written<>(in, 0, 1));
              }
              return appendChange(conn, collection, "add", in.stream().map(ImportedFace::faceId).toList(), null)
                  .map(seq -> new Written<>(in, seq[0], (int) seq[1]));
            }))
        .recover(GalleryStore::translate);
  }

  /** A page of a collection's faces for export, in face-id order after {@code after} (null: from the start). */
  public Future<List<Row>> exportPage(String collection, UUID after, int limit) {
    return pool.preparedQuery("SELECT f.id, f.subject_id, s.name, f.model_id, f.embedding FROM faces f JOIN subjects s ON s.id = f.subject_id "
            + "WHERE f.collection = $1 AND ($2::uuid IS NULL OR f.id > $2) ORDER BY f.id LIMIT $3")
        .execute(Tuple.of(collection, after, limit))
        .map(rows -> {
          List<Row> out = new ArrayList<>(rows.size());
          rows.forEach(out::add);
          return out;
        })
        .recover(GalleryStore::translate);
  }

  /** The model and dimension a collection's embeddings were made with, or null when it has none. */
  public Future<JsonObject> collectionModel(String collection) {
    return pool.preparedQuery("SELECT model_id, dimension, (SELECT count(*) FROM faces WHERE collection = $1) FROM collections WHERE name = $1")
        .execute(Tuple.of(collection))
        .map(rows -> rows.size() == 0 ? null : new JsonObject().put("modelId", rows.iterator().next().getString(0))
            .put("dimension", rows.iterator().next().getInteger(1)).put("faces", rows.iterator().next().getLong(2)))
        .recover(GalleryStore::translate);
  }

  /** Every collection's shard count (1 for collections made before shards existed). */
  public Future<Map<String, Integer>> collectionShards() {
    return pool.query("SELECT name, COALESCE(shards, 1) FROM collections ORDER BY name").execute()
        .map(rows -> {
          Map<String, Integer> out = new LinkedHashMap<>();
          rows.forEach(r -> out.put(r.getString(0), r.getInteger(1)));
          return out;
        })
        .recover(GalleryStore::translate);
  }

  /** One shard's embeddings ({@link dev.facerec.index.Shards}) and the change-log position they reflect, in one snapshot. */
  public Future<Consistent> consistentEmbeddings(String collection, int shard, int shards) {
    String filter = shards <= 1 ? "" : " AND " + dev.facerec.index.Shards.sql("$2") + " = $3";
    Tuple args = shards <= 1 ? Tuple.of(collection) : Tuple.of(collection, shards, shard);
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
            .compose(v -> conn.query("SELECT seq FROM change_seq").execute())
            .compose(seqRows -> conn
                .preparedQuery("SELECT id, subject_id, embedding FROM faces WHERE collection = $1" + filter + " ORDER BY created_at, id")
                .execute(args)
                .map(rows -> {
                  List<StoredEmbedding> list = new ArrayList<>(rows.size());
                  rows.forEach(row -> list.add(new StoredEmbedding(row.getUUID(0), row.getUUID(1), decode(row.getBuffer(2)))));
                  return new Consistent(list, seqRows.iterator().next().getLong(0));
                })))
        .recover(GalleryStore::translate);
  }

  /** A collection's embeddings and the change-log position they reflect, read in one repeatable-read snapshot. */
  public Future<Consistent> consistentEmbeddings(String collection) {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
            .compose(v -> conn.query("SELECT seq FROM change_seq").execute())
            .compose(seqRows -> conn
                .preparedQuery("SELECT id, subject_id, embedding FROM faces WHERE collection = $1 ORDER BY created_at, id")
                .execute(Tuple.of(collection))
                .map(rows -> {
                  List<StoredEmbedding> list = new ArrayList<>(rows.size());
                  rows.forEach(row -> list.add(new StoredEmbedding(row.getUUID(0), row.getUUID(1), decode(row.getBuffer(2)))));
                  return new Consistent(list, seqRows.iterator().next().getLong(0));
                })))
        .recover(GalleryStore::translate);
  }

  /** Drops log entries more than {@code keep} changes old; returns how many went. */
  public Future<Integer> pruneChangeLog(long keep) {
    return pool.preparedQuery("DELETE FROM change_log WHERE seq <= (SELECT seq FROM change_seq) - $1")
        .execute(Tuple.of(keep))
        .map(rows -> rows.rowCount())
        .recover(GalleryStore::translate);
  }

  /** Every collection's name, sorted. */
  public Future<List<String>> collections() {
    return pool.query("SELECT name FROM collections ORDER BY name")
        .execute()
        .map(rows -> {
          List<String> names = new ArrayList<>(rows.size());
          rows.forEach(row -> names.add(row.getString(0)));
          return names;
        })
        .recover(GalleryStore::translate);
  }

  // ---- misc

  /** Succeeds when the database answers a query. */
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().<Void>mapEmpty().recover(GalleryStore::translate);
  }

  /** Appends an audit entry. */
  public Future<Void> audit(String actor, String action, String target, JsonObject details) {
    try {
      requireText(action, "action");
    } catch (FaceException e) {
      return Future.failedFuture(e);
    }
    return pool.preparedQuery("INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(actor, action, target, details))
        .<Void>mapEmpty()
        .recover(GalleryStore::translate);
  }

  // ---- rows and values

  private static Subject subjectOf(RowSet<Row> rows, UUID id) {
    if (rows.size() == 0) {
      throw subjectNotFound(id);
    }
    return subject(rows.iterator().next());
  }

  private static Subject subject(Row row) {
    JsonObject metadata = row.getJsonObject("metadata");
    return new Subject(row.getUUID("id"), row.getString("name"), row.getString("collection"),
        metadata == null ? new JsonObject() : metadata, (int) (long) row.getLong("face_count"),
        instant(row, "created_at"), instant(row, "updated_at"));
  }

  private static FaceRecord faceRecord(Row row) {
    return new FaceRecord(row.getUUID("id"), row.getUUID("subject_id"), row.getString("collection"),
        row.getString("model_id"),
        new Box(row.getFloat("box_x"), row.getFloat("box_y"), row.getFloat("box_width"), row.getFloat("box_height")),
        row.getFloat("score"), instant(row, "created_at"));
  }

  private static Instant instant(Row row, String column) {
    return row.getOffsetDateTime(column).toInstant();
  }

  private static JsonArray landmarks(float[][] points) {
    if (points == null) {
      return null;
    }
    JsonArray array = new JsonArray();
    for (float[] p : points) {
      JsonArray point = new JsonArray();
      for (float v : p) {
        point.add(v);
      }
      array.add(point);
    }
    return array;
  }

  static Buffer encode(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(vector);
    return Buffer.buffer(bytes.array());
  }

  static float[] decode(Buffer buffer) {
    float[] vector = new float[buffer.length() / Float.BYTES];
    ByteBuffer.wrap(buffer.getBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
    return vector;
  }

  private static void checkEmbedding(float[] embedding) {
    if (embedding == null || embedding.length == 0) {
      throw new FaceException(Failure.INVALID_REQUEST, "the embedding is empty");
    }
    for (float v : embedding) {
      if (!Float.isFinite(v)) {
        throw new FaceException(Failure.INVALID_REQUEST, "the embedding holds a NaN or infinite value");
      }
    }
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new FaceException(Failure.INVALID_REQUEST, what + " must not be blank");
    }
  }

  private static FaceException subjectNotFound(UUID id) {
    return new FaceException(Failure.SUBJECT_NOT_FOUND, "no subject " + id);
  }

  // ---- failures

  static <T> Future<T> translate(Throwable t) {
    return Future.failedFuture(toFaceException(t));
  }

  /** Our codes pass through; unreachable-server failures become DATABASE_UNAVAILABLE; the rest INTERNAL. */
  static FaceException toFaceException(Throwable t) {
    if (t instanceof FaceException fe) {
      return fe;
    }
    String unavailable = unavailableReason(t);
    if (unavailable != null) {
      return new FaceException(Failure.DATABASE_UNAVAILABLE, "database unavailable: " + unavailable, t);
    }
    if (t instanceof PgException pg && pg.getSqlState() != null) {
      switch (pg.getSqlState()) {
        case "22021": // character_not_in_repertoire, e.g. a NUL in text
        case "22P05": // untranslatable_character, e.g. \u0000 in jsonb
          return new FaceException(Failure.INVALID_REQUEST, "the text holds characters that cannot be stored", t);
        case "54000": // program_limit_exceeded, e.g. an oversized index row
          return new FaceException(Failure.INVALID_REQUEST, "a value is too large to store", t);
        case "57014": // query_canceled: statement_timeout (the request deadline) passed on the server
          return new FaceException(Failure.REQUEST_TIMEOUT, "the database did not answer within the request's deadline", t);
        default:
          break;
      }
    }
    return new FaceException(Failure.INTERNAL, "database error", t);
  }

  /** Why {@code t} means the server cannot be reached, or null when the server answered (or the failure is ours). */
  static String unavailableReason(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof FaceException fe) {
        return fe.failure() == Failure.DATABASE_UNAVAILABLE ? "unavailable" : null;
      }
      if (c instanceof ConnectException) {
        return "connection refused or timed out";
      }
      if (c instanceof UnknownHostException || c instanceof NoRouteToHostException) {
        return "host not reachable";
      }
      if (c instanceof ClosedConnectionException) {
        return "connection closed";
      }
      if (c instanceof TimeoutException || c instanceof ConnectionPoolTooBusyException) {
        return "no connection available in time";
      }
      if (c instanceof SSLException) {
        return "TLS handshake failed";
      }
      if (c instanceof java.io.IOException) {
        return "connection lost (" + c.getClass().getSimpleName() + ")"; // e.g. reset by peer
      }
      if (c instanceof io.vertx.core.VertxException && String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("closed")) {
        return "pool or connection closed";
      }
      if (c instanceof PgException pg && pg.getSqlState() != null) {
        String state = pg.getSqlState();
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
            || state.equals("53300")) {
          return "server refused or ended the connection";
        }
        if (state.startsWith("28") || state.equals("3D000")) {
          return "login refused";
        }
      }
    }
    return null;
  }
}
