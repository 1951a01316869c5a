package dev.facerec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  @DisplayName("defaults come from conf/application.yaml")
  void readsDefaults() {
    AppConfig c = ConfigLoader.load(Map.of());
    assertEquals(8000, c.api().port());
    assertEquals("faceplugin", c.models().profile());
    assertNull(c.database().url(), "no DATABASE_URL means the embedded database");
    assertEquals(32, c.index().m());
    assertEquals(400, c.index().efConstruction());
    assertEquals(400, c.index().efSearch());
    assertEquals(dev.facerec.index.IndexEngine.PACKED, c.index().engine());
    assertEquals(16384, c.images().maxDimension());
    assertEquals(40_000_000L, c.images().maxPixels());
    assertEquals(1920, c.images().processingMaxSide());
    assertTrue(c.models().thresholds().isEmpty());
    assertEquals(Runtime.getRuntime().availableProcessors(), c.inference().workers(), "one inference worker per core");
    assertEquals(1, c.inference().intraOpThreads());
  }

  @Test
  @DisplayName("environment variables override the file")
  void environmentWins() {
    AppConfig c = ConfigLoader.load(Map.of("API_PORT", "9001", "MODEL_PROFILE", "yunet-mobilefacenet",
        "THRESHOLD_YUNET_MOBILEFACENET", "0.41", "CORS_ORIGINS", "https://a.example, https://b.example", "HNSW_EF_SEARCH", "100",
        "INDEX_ENGINE", "hnswlib-core"));
    assertEquals(9001, c.api().port());
    assertEquals("yunet-mobilefacenet", c.models().profile());
    assertEquals(0.41, c.models().thresholds().get("yunet-mobilefacenet"));
    assertEquals(2, c.api().corsOrigins().size());
    assertEquals(100, c.index().efSearch());
    assertEquals(dev.facerec.index.IndexEngine.HNSWLIB, c.index().engine());
  }

  @Test
  @DisplayName("a malformed value stops the start with one line naming variable, value and expectation")
  void rejectsMalformedValues() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("API_PORT", "eighty")));
    assertEquals("invalid configuration: API_PORT='eighty', expected an integer from 0 to 65535", e.getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("MODEL_PROFILE", "arcface"))).getMessage()
        .contains("MODEL_PROFILE='arcface', expected one of faceplugin, faceplugin-frdetect, yunet-mobilefacenet, opencv-zoo"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("HNSW_M", "0"))).getMessage().contains("HNSW_M='0'"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("THRESHOLD_FACEPLUGIN", "2"))).getMessage()
        .contains("THRESHOLD_FACEPLUGIN='2'"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CORS_ORIGINS", "example.com"))).getMessage()
        .contains("CORS_ORIGINS='example.com'"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("LOG_LEVEL", "LOUD"))).getMessage()
        .contains("LOG_LEVEL='LOUD'"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("LOG_FORMAT", "xml"))).getMessage()
        .contains("LOG_FORMAT='xml', expected text or json"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("INDEX_ENGINE", "faiss"))).getMessage()
        .contains("INDEX_ENGINE='faiss', expected packed or hnswlib-core"));
  }

  @Test
  @DisplayName("a database password never appears in a message")
  void masksDatabasePassword() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("DATABASE_URL", "mysql://u:s3cret@h/db")));
    assertTrue(!e.getMessage().contains("s3cret"), e.getMessage());
    AppConfig c = ConfigLoader.load(Map.of("DATABASE_URL", "postgres://svc:s3cret@db:5432/faces"));
    assertTrue(!c.masked().contains("s3cret"), c.masked());
  }

  @Test
  @DisplayName("CONFIG_FILE names another YAML file; a missing one is refused")
  void readsAnotherFile() throws Exception {
    Path f = Files.createTempFile("conf", ".yaml");
    Files.writeString(f, "api:\n  port: 7000\nindex:\n  m: 16\n");
    AppConfig c = ConfigLoader.load(Map.of("CONFIG_FILE", f.toString()));
    assertEquals(7000, c.api().port());
    assertEquals(16, c.index().m());
    assertEquals(400, c.index().efSearch(), "unset keys keep their defaults");
    assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CONFIG_FILE", "/nonexistent/x.yaml")));
  }

  @Test
  @DisplayName(".env.example documents every variable the loader reads")
  void envExampleIsComplete() throws Exception {
    String example = Files.readString(Path.of(".env.example"));
    for (String v : ConfigLoader.variables()) {
      assertTrue(example.contains(v + "="), v + " is missing from .env.example");
    }
  }
}
