package dev.facerec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings secret rotation depends on: the URL file kept for new connections, the TLS check interval. */
class RotationConfigTest {
  @Test
  @DisplayName("a URL from DATABASE_URL_FILE keeps its file for new connections; DATABASE_URL given directly has none and wins")
  void databaseUrlFileIsKept(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("database-url");
    Files.writeString(f, "postgres://u:one@db:5432/x\n");
    AppConfig fromFile = ConfigLoader.load(Map.of("DATABASE_URL_FILE", f.toString()));
    assertEquals(f, fromFile.database().urlFile());
    assertEquals("postgres://u:one@db:5432/x", fromFile.database().url());
    AppConfig direct = ConfigLoader.load(Map.of("DATABASE_URL", "postgres://u:two@db:5432/x", "DATABASE_URL_FILE", f.toString()));
    assertNull(direct.database().urlFile());
    assertEquals("postgres://u:two@db:5432/x", direct.database().url());
    assertNull(ConfigLoader.load(Map.of()).database().urlFile());
  }

  @Test
  @DisplayName("TLS files are checked every 10 s unless TLS_RELOAD_CHECK_S says otherwise (0: never); negatives are refused")
  void tlsReloadInterval() {
    assertEquals(10, ConfigLoader.load(Map.of()).security().tls().reloadCheckSeconds());
    assertEquals(0, ConfigLoader.load(Map.of("TLS_RELOAD_CHECK_S", "0")).security().tls().reloadCheckSeconds());
    assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("TLS_RELOAD_CHECK_S", "-1")));
  }
}
