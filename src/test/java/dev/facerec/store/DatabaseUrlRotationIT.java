package dev.facerec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database password rotated without a restart: the URL comes from a file (DATABASE_URL_FILE), the role's password
 * changes, and once the file holds the new URL, new pool connections use it. The machine's PostgreSQL trusts every
 * local connection (passwords are ignored there), so this test runs an embedded server of its own whose pg_hba.conf
 * asks for scram-sha-256 over TCP: a wrong password is really refused.
 */
class DatabaseUrlRotationIT {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static String currentUser(SqlConnection c) throws Exception {
    return await(c.query("SELECT current_user").execute()).iterator().next().getString(0);
  }

  @Test
  @DisplayName("a new password written to DATABASE_URL_FILE is used by new connections; open ones stay; an unreadable URL keeps the last good one")
  void newConnectionsUseTheRotatedPassword(@TempDir Path dir) throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pgdata")).setCleanDataDirectory(true).start();
        Connection admin = pg.getPostgresDatabase().getConnection(); Statement sql = admin.createStatement()) {
      sql.execute("CREATE ROLE facerec LOGIN PASSWORD 'old-secret'");
      sql.execute("CREATE DATABASE gallery OWNER facerec");
      // From now on TCP connections need the password; `admin` stays open (already authenticated) to rotate it.
      Files.writeString(dir.resolve("pgdata/pg_hba.conf"), "local all all trust\n"
          + "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n");
      sql.execute("SELECT pg_reload_conf()");

      String base = "postgres://facerec:%s@127.0.0.1:" + pg.getPort() + "/gallery";
      Path urlFile = dir.resolve("database-url");
      Files.writeString(urlFile, base.formatted("old-secret") + "\n");
      Vertx vertx = Vertx.vertx();
      DatabaseSettings settings = new DatabaseSettings(Files.readString(urlFile).trim(), dir, 4, 5000).withUrlFile(urlFile);
      try (Database db = Database.start(settings)) {
        Pool pool = db.createPool(vertx);
        SqlConnection before = await(pool.getConnection());
        assertEquals("facerec", currentUser(before));

        sql.execute("ALTER ROLE facerec PASSWORD 'new-secret'");
        // The file still holds the old password: a new connection is refused by the server.
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> await(pool.getConnection()));
        assertTrue(String.valueOf(refused.getCause().getMessage()).contains("password authentication failed"),
            String.valueOf(refused.getCause()));

        Files.writeString(urlFile, base.formatted("new-secret") + "\n");
        SqlConnection after = await(pool.getConnection());
        assertEquals("facerec", currentUser(after), "a new connection with the rotated password");
        assertEquals("facerec", currentUser(before), "an open connection keeps working");

        // A half-written or wrong file: new connections keep the last URL that parsed.
        Files.writeString(urlFile, "postgres:/broken");
        SqlConnection third = await(pool.getConnection());
        assertEquals(1, await(third.query("SELECT 1").execute()).iterator().next().getInteger(0));
        await(before.close());
        await(after.close());
        await(third.close());
        await(pool.close());
      } finally {
        await(vertx.close());
      }
    }
  }
}
