package dev.facerec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Database URLs become connect options, a JDBC URL and a masked description")
class DatabaseUrlTest {

  private static Database external(String url) {
    return Database.external(new DatabaseSettings(url, null, 4, 5000));
  }

  @Test
  @DisplayName("a postgres:// URL with a percent-encoded password, sslmode and schema")
  void parsesPostgresUrl() {
    Database db = external("postgres://gallery:p%40ss%3Aw%2Fd+x@db.example:6543/faces?sslmode=require&schema=tenant_a");
    PgConnectOptions o = db.connectOptions();
    assertEquals("db.example", o.getHost());
    assertEquals(6543, o.getPort());
    assertEquals("faces", o.getDatabase());
    assertEquals("gallery", o.getUser());
    assertEquals("p@ss:w/d+x", o.getPassword());
    assertEquals(SslMode.REQUIRE, o.getSslMode());
    assertTrue(o.getSslOptions().isTrustAll(), "require encrypts without verifying, as libpq does");
    assertEquals("tenant_a", o.getProperties().get("search_path"));
    assertEquals("tenant_a", db.schema());
    assertEquals("jdbc:postgresql://db.example:6543/faces?sslmode=require&currentSchema=tenant_a", db.jdbcUrl());
    assertFalse(db.describe().contains("p@ss"), db.describe());
    assertFalse(db.describe().contains("p%40ss"), db.describe());
    assertTrue(db.describe().contains("gallery:***@db.example:6543/faces"), db.describe());
    assertFalse(db.toString().contains("p@ss"));
    assertFalse(db.embedded());
    assertFalse(new DatabaseSettings("postgres://u:hunter2@h/d", null, 1, 1).toString().contains("hunter2"));
  }

  @Test
  @DisplayName("a jdbc:postgresql:// URL with user and password parameters and verify-full")
  void parsesJdbcUrlWithVerifyFull() {
    Database db = external("jdbc:postgresql://pg.internal/gallery?user=svc&password=secret&sslmode=verify-full");
    PgConnectOptions o = db.connectOptions();
    assertEquals("pg.internal", o.getHost());
    assertEquals(5432, o.getPort());
    assertEquals("svc", o.getUser());
    assertEquals("secret", o.getPassword());
    assertEquals(SslMode.VERIFY_FULL, o.getSslMode());
    assertEquals("HTTPS", o.getSslOptions().getHostnameVerificationAlgorithm());
    assertNotNull(o.getSslOptions().getTrustOptions());
    assertFalse(o.getSslOptions().isTrustAll());
    assertFalse(db.describe().contains("secret"));
    assertFalse(db.jdbcUrl().contains("secret"));
  }

  @Test
  @DisplayName("a bare postgresql:// URL defaults to port 5432, no TLS and the public schema")
  void appliesDefaults() {
    Database db = external("postgresql://postgres@127.0.0.1/test");
    PgConnectOptions o = db.connectOptions();
    assertEquals(5432, o.getPort());
    assertEquals(SslMode.DISABLE, o.getSslMode());
    assertNull(o.getProperties().get("search_path"));
    assertNull(db.schema());
    assertEquals("postgresql://postgres@127.0.0.1:5432/test?sslmode=disable", db.describe());
  }

  @Test
  @DisplayName("the schema setting wins over the URL's schema parameter")
  void settingsSchemaWins() {
    Database db = Database.external(
        new DatabaseSettings("postgresql://u@h/d?schema=from_url", null, 1, 100, "from_settings"));
    assertEquals("from_settings", db.connectOptions().getProperties().get("search_path"));
  }

  @Test
  @DisplayName("malformed URLs and unsafe schema names are refused")
  void refusesMalformedUrls() {
    assertThrows(IllegalArgumentException.class, () -> external("mysql://u@h/d"));
    assertThrows(IllegalArgumentException.class, () -> external("postgresql://u@h:notaport/d"));
    assertThrows(IllegalArgumentException.class, () -> external("postgresql://u@h/d?sslmode=sometimes"));
    assertThrows(IllegalArgumentException.class, () -> external("postgresql://u@h/d?schema=a;drop"));
    assertThrows(IllegalArgumentException.class, () -> external("postgresql://u@h/d?schema=Upper"));
    assertThrows(IllegalArgumentException.class, () -> new DatabaseSettings(null, null, 0, 100));
  }
}
