package dev.facerec.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The {@code keys} CLI against the machine's PostgreSQL, in a schema of its own. */
class KeysCommandIT {

  @Test
  @DisplayName("keys create prints the key once and stores only its hash; list shows ids, never secrets; revoke revokes")
  void createListRevoke() throws Exception {
    String schema = "keysit_" + Long.toHexString(System.nanoTime());
    AppConfig config = ConfigLoader.load(Map.of("DATABASE_URL", dev.facerec.testing.TestDatabase.url(schema),
        "DATA_DIR", Files.createTempDirectory("keysit").toString()));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int rc = KeysCommand.run(config, new String[] {"create", "--role", "enroll,detect", "--collection", "staff", "--name", "hr"},
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
      Matcher m = Pattern.compile("key:\\s+(fr_[A-Za-z0-9_-]{43})").matcher(out.toString(StandardCharsets.UTF_8));
      assertTrue(m.find(), out.toString(StandardCharsets.UTF_8));
      String key = m.group(1);
      String id = ApiKeys.idOf(key);
      try (Connection c = dev.facerec.testing.TestDatabase.connect(schema)) {
        ResultSet rs = c.createStatement().executeQuery("SELECT id, key_hash, collection FROM api_keys");
        assertTrue(rs.next());
        assertEquals(id, rs.getString(1));
        assertEquals(ApiKeys.hash(key), rs.getString(2));
        assertEquals("staff", rs.getString(3));
        ResultSet audit = c.createStatement().executeQuery("SELECT actor, action, target FROM audit_log");
        assertTrue(audit.next());
        assertEquals("cli", audit.getString(1));
        assertEquals("key.create", audit.getString(2));
      }
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      assertEquals(0, KeysCommand.run(config, new String[] {"list"}, new PrintStream(list, true, StandardCharsets.UTF_8), System.err));
      String listed = list.toString(StandardCharsets.UTF_8);
      assertTrue(listed.contains(id) && listed.contains("active") && !listed.contains(key), listed);
      assertEquals(0, KeysCommand.run(config, new String[] {"revoke", id}, System.out, System.err));
      ByteArrayOutputStream after = new ByteArrayOutputStream();
      KeysCommand.run(config, new String[] {"list"}, new PrintStream(after, true, StandardCharsets.UTF_8), System.err);
      assertTrue(after.toString(StandardCharsets.UTF_8).contains("revoked"));
      assertEquals(1, KeysCommand.run(config, new String[] {"revoke", id}, System.out, new PrintStream(new ByteArrayOutputStream())),
          "a revoked key cannot be revoked again");
      assertEquals(2, KeysCommand.run(config, new String[] {"create"}, System.out, new PrintStream(new ByteArrayOutputStream())));
    } finally {
      try (Connection c = dev.facerec.testing.TestDatabase.connect()) {
        c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }
}
