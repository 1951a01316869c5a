package dev.facerec.store;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * API keys in PostgreSQL, by the SHA-256 of the key; the key itself is never stored. Failures are
 * {@link FaceException}s: {@code KEY_NOT_FOUND}, {@code DATABASE_UNAVAILABLE}, else {@code INTERNAL}.
 */
public final class ApiKeyStore {
  private static final String COLUMNS = "id, name, roles, collection, created_at, created_by, revoked_at, revoked_by";
  private final Pool pool;

  public ApiKeyStore(Pool pool) {
    this.pool = Objects.requireNonNull(pool, "pool");
  }

  /** One key as listed: never its secret nor its hash. */
  public record KeyRecord(String id, String name, List<String> roles, String collection, Instant createdAt, String createdBy,
      Instant revokedAt, String revokedBy) {
    public boolean revoked() {
      return revokedAt != null;
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("roles", new JsonArray(roles))
          .put("collection", collection).put("createdAt", createdAt.toString()).put("createdBy", createdBy)
          .put("revokedAt", revokedAt == null ? null : revokedAt.toString()).put("revokedBy", revokedBy);
    }
  }

  /** Stores a new key; fails with {@code INVALID_REQUEST} when the id or hash exists (callers retry with a new key). */
  public Future<KeyRecord> insert(String id, String hash, String name, List<String> roles, String collection, String createdBy) {
    return pool.preparedQuery("INSERT INTO api_keys (id, key_hash, name, roles, collection, created_by) "
            + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " + COLUMNS)
        .execute(Tuple.of(id, hash, name, roles.toArray(new String[0]), collection, createdBy))
        .map(rows -> record(rows.iterator().next()))
        .recover(t -> t instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "an API key with this id or value exists"))
            : GalleryStore.translate(t));
  }

  /** The active (not revoked) key with this hash, or null. */
  public Future<KeyRecord> findActiveByHash(String hash) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(hash))
        .map(rows -> rows.size() == 0 ? null : record(rows.iterator().next()))
        .recover(GalleryStore::translate);
  }

  /** Whether any key with this hash was ever stored (revoked or not). */
  public Future<Boolean> existsByHash(String hash) {
    return pool.preparedQuery("SELECT 1 FROM api_keys WHERE key_hash = $1").execute(Tuple.of(hash))
        .map(rows -> rows.size() > 0)
        .recover(GalleryStore::translate);
  }

  public Future<List<KeyRecord>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id").execute()
        .map(rows -> {
          List<KeyRecord> out = new ArrayList<>();
          rows.forEach(r -> out.add(record(r)));
          return out;
        })
        .recover(GalleryStore::translate);
  }

  public Future<KeyRecord> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM api_keys WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(record(rows.iterator().next())))
        .recover(GalleryStore::translate);
  }

  /** Every key ever stored, revoked ones included: zero means a first start. */
  public Future<Long> count() {
    return pool.query("SELECT count(*) FROM api_keys").execute()
        .map(rows -> rows.iterator().next().getLong(0))
        .recover(GalleryStore::translate);
  }

  /** Revokes an active key; {@code KEY_NOT_FOUND} when no active key has this id. */
  public Future<KeyRecord> revoke(String id, String by) {
    return pool.preparedQuery("UPDATE api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL "
            + "RETURNING " + COLUMNS)
        .execute(Tuple.of(id, by))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(record(rows.iterator().next())))
        .recover(GalleryStore::translate);
  }

  /** Appends to the audit log (who, what, which target, details without secrets or biometric data). */
  public Future<Void> audit(String actor, String action, String target, JsonObject details) {
    return pool.preparedQuery("INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(actor, action, target, details))
        .<Void>mapEmpty()
        .recover(GalleryStore::translate);
  }

  private static FaceException notFound(String id) {
    return new FaceException(Failure.KEY_NOT_FOUND, "no active API key with id '" + id + "'");
  }

  private static KeyRecord record(Row r) {
    String[] roles = r.getArrayOfStrings("roles");
    return new KeyRecord(r.getString("id"), r.getString("name"), roles == null ? List.of() : Arrays.asList(roles),
        r.getString("collection"), instant(r.getOffsetDateTime("created_at")), r.getString("created_by"),
        instant(r.getOffsetDateTime("revoked_at")), r.getString("revoked_by"));
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
