package dev.facerec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecurityConfigTest {
  static final String KEY = "fr_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

  @Test
  @DisplayName("secrets come from the variable or its _FILE and never show in the configuration's text")
  void secretsFromEnvOrFileAndMasked() throws Exception {
    Path f = Files.createTempFile("admin", ".key");
    Files.writeString(f, KEY + "\n");
    AppConfig c = ConfigLoader.load(Map.of("ADMIN_API_KEY_FILE", f.toString(),
        "DATABASE_URL", "postgres://u:s3cret@db:5432/x?sslmode=require"));
    assertEquals(KEY, c.security().adminApiKey());
    assertFalse(c.toString().contains(KEY), "the admin key never shows");
    assertFalse(c.masked().contains("s3cret"), c.masked());
    assertNull(ConfigLoader.load(Map.of()).security().adminApiKey(), "no default key");
    assertFalse(ConfigLoader.load(Map.of()).security().tls().allowPlainHttp(), "plain HTTP is opt-in");
  }

  @Test
  @DisplayName("weak admin keys, half a TLS pair, JWT without issuer and '*' with CORS credentials are refused in one line")
  void refusesUnsafeSettings() throws Exception {
    ConfigException weak = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("ADMIN_API_KEY", "admin")));
    assertTrue(weak.getMessage().contains("ADMIN_API_KEY") && !weak.getMessage().contains("'admin'"), weak.getMessage());
    Path pem = Files.createTempFile("cert", ".pem");
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("TLS_CERT_FILE", pem.toString())))
        .getMessage().contains("TLS_KEY_FILE"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("JWT_PUBLIC_KEY_FILES", pem.toString())))
        .getMessage().contains("JWT_ISSUER"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CORS_ORIGINS", "*",
        "CORS_ALLOW_CREDENTIALS", "true"))).getMessage().contains("CORS_ORIGINS"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("RATE_LIMIT_DETECT", "0")))
        .getMessage().contains("RATE_LIMIT_DETECT"));
    assertEquals(1, assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("ALLOW_PLAIN_HTTP", "maybe")))
        .getMessage().lines().count());
  }
}
