package dev.facerec.security;

import dev.facerec.store.ApiKeyStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin key. With an empty key store: the operator's {@code ADMIN_API_KEY} (or
 * {@code ADMIN_API_KEY_FILE}) is stored by its hash; without one, a key is generated and written once to
 * {@code DATA_DIR/admin-api-key}, readable only by the service user (0600), and the path is logged, never
 * the key. When that file already exists (a database reset) its key is reused. With keys already stored,
 * nothing is created: an {@code ADMIN_API_KEY} that is not among them is ignored with a warning, so a
 * restart can never bring back a revoked key.
 */
public final class AdminKeyBootstrap {
  public static final String FILE_NAME = "admin-api-key";
  private static final Logger LOG = LoggerFactory.getLogger(AdminKeyBootstrap.class);

  private AdminKeyBootstrap() {}

  public static Future<Void> ensure(ApiKeyStore keys, String operatorKey, Path dataDir) {
    return keys.count().compose(count -> {
      if (operatorKey != null) {
        String hash = ApiKeys.hash(operatorKey);
        return keys.existsByHash(hash).compose(exists -> {
          if (exists) {
            return Future.succeededFuture();
          }
          if (count > 0) {
            LOG.warn("ADMIN_API_KEY is ignored: the key store already holds {} key(s); manage keys with the admin API"
                + " or `keys create`", count);
            return Future.succeededFuture();
          }
          return store(keys, operatorKey, "first admin key (ADMIN_API_KEY)")
              .onSuccess(v -> LOG.info("first start: the admin key from ADMIN_API_KEY is stored as key {}", ApiKeys.idOf(operatorKey)));
        });
      }
      if (count > 0) {
        return Future.succeededFuture();
      }
      Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
      String key;
      try {
        key = writeOnce(file);
      } catch (IOException e) {
        return Future.failedFuture(new IllegalStateException("cannot write the first admin key to " + file + ": " + e.getMessage()
            + " (or set ADMIN_API_KEY / ADMIN_API_KEY_FILE)", e));
      }
      return store(keys, key, "first admin key (generated)")
          .onSuccess(v -> LOG.warn("first start: an admin API key (id {}) was written to {} (mode 0600). Read it, keep it"
              + " in your secret store, then delete the file.", ApiKeys.idOf(key), file));
    });
  }

  private static Future<Void> store(ApiKeyStore keys, String key, String name) {
    String id = ApiKeys.idOf(key);
    return keys.insert(id, ApiKeys.hash(key), name, List.of(Role.ADMIN.wire()), null, "bootstrap")
        .compose(rec -> keys.audit("bootstrap", "key.create", id, new JsonObject()
            .put("roles", new JsonArray().add(Role.ADMIN.wire())).put("first", true)));
  }

  /** Creates the file with mode 0600 and the new key; an existing file is read instead (its key is reused). */
  static String writeOnce(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    String key = ApiKeys.generate();
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      String existing = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!ApiKeys.plausible(existing)) {
        throw new IOException("the file exists but holds no key; remove it");
      }
      return existing;
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system: the directory's permissions must protect it
    }
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
      w.write(key);
      w.write('\n');
    }
    return key;
  }
}
