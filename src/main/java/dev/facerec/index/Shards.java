package dev.facerec.index;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Which shard of its collection a face belongs to: a hash of its subject's id, so a subject's faces stay together
 * and a shard can score the subject as a whole (its centroid, {@link HnswShard}); the same in Java and in SQL
 * ({@link #sql}), so a replica can read exactly its shard's faces from PostgreSQL. The first 4 bytes of the
 * MD5 of the id's text form, as a non-negative int, modulo the collection's shard count.
 */
public final class Shards {
  /** The shard of a row of {@code faces} (by its {@code subject_id}), in PostgreSQL, for the shard count given by the parameter {@code count}. */
  public static String sql(String count) {
    return "((('x' || substr(md5(subject_id::text), 1, 8))::bit(32)::int & 2147483647) % " + count + ")";
  }

  private Shards() {}

  /** The shard of a face of subject {@code subjectId}. */
  public static int of(UUID subjectId, int shards) {
    if (shards <= 1) {
      return 0;
    }
    try {
      byte[] d = MessageDigest.getInstance("MD5").digest(subjectId.toString().getBytes(StandardCharsets.US_ASCII));
      int h = ((d[0] & 0xff) << 24 | (d[1] & 0xff) << 16 | (d[2] & 0xff) << 8 | (d[3] & 0xff)) & 0x7fffffff;
      return h % shards;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A shard's name in logs, files and status: {@code collection#shard}. */
  public static String key(String collection, int shard) {
    return collection + "#" + shard;
  }
}
