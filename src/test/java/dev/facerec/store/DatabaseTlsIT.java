package dev.facerec.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * DATABASE_URL with sslmode=require and verify-full against a real PostgreSQL serving TLS (an embedded
 * server started with ssl=on and a certificate made by openssl at test time; never committed).
 */
class DatabaseTlsIT {

  private static Path certificate(Path dir, String name) throws Exception {
    Path key = dir.resolve(name + "-key.pem");
    Path cert = dir.resolve(name + ".pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-nodes", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl: " + out);
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return cert;
  }

  private static boolean connectionUsesTls(Database db) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = db.createPool(vertx);
      return pool.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").execute()
          .map(rows -> rows.iterator().next().getBoolean(0))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("sslmode=require and verify-full connect over TLS; verify-full refuses a server its CA did not sign; require refuses a plain server")
  void connectsOverTls() throws Exception {
    Path dir = Files.createTempDirectory("pgtls");
    Path cert = certificate(dir, "server");
    Path otherCa = certificate(dir, "other");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("data")).setCleanDataDirectory(true)
        .setServerConfig("ssl", "on")
        .setServerConfig("ssl_cert_file", cert.toString())
        .setServerConfig("ssl_key_file", dir.resolve("server-key.pem").toString())
        .start()) {
      String base = "postgres://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
      try (Database db = Database.start(new DatabaseSettings(base + "?sslmode=require", dir, 2, 5000))) {
        assertTrue(connectionUsesTls(db), "sslmode=require is encrypted");
      }
      try (Database db = Database.start(new DatabaseSettings(base + "?sslmode=verify-full&sslrootcert=" + cert, dir, 2, 5000))) {
        assertTrue(connectionUsesTls(db), "verify-full with the right CA is encrypted and verified");
      }
      IllegalStateException wrongCa = assertThrows(IllegalStateException.class,
          () -> Database.start(new DatabaseSettings(base + "?sslmode=verify-full&sslrootcert=" + otherCa, dir, 2, 5000)));
      System.out.println("verify-full, wrong CA: " + wrongCa.getMessage());
      assertTrue(wrongCa.getMessage().contains("SSL") && wrongCa.getMessage().contains("trust"), wrongCa.getMessage());
    }
    // the machine's PostgreSQL serves no TLS: requiring it must fail rather than fall back to plain text
    IllegalStateException plain = assertThrows(IllegalStateException.class,
        () -> Database.start(new DatabaseSettings(dev.facerec.testing.TestDatabase.base() + "?sslmode=require", dir, 2, 5000)));
    System.out.println("sslmode=require, plain server: " + plain.getMessage());
    assertTrue(plain.getMessage().contains("does not support SSL"), plain.getMessage());
  }
}
