package dev.facerec.app;

import dev.facerec.security.ApiKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.config.ConfigLoader;
import dev.facerec.model.ModelException;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the service refuses at start: missing or wrong model files, and a gallery made by another model. */
class StartupIT {
  private static final String ADMIN_KEY = ApiKeys.generate();

  private static Map<String, String> env(String profile, Path models, Path data, String schema) {
    Map<String, String> env = new HashMap<>();
    env.put("API_HOST", "127.0.0.1");
    env.put("API_PORT", "0");
    env.put("ALLOW_PLAIN_HTTP", "true");
    env.put("ADMIN_API_KEY", ADMIN_KEY);
    env.put("MODEL_PROFILE", profile);
    env.put("MODELS_DIR", models.toString());
    env.put("DATA_DIR", data.toString());
    env.put("INFERENCE_WORKERS", "1");
    env.put("DATABASE_URL", dev.facerec.testing.TestDatabase.url(schema));
    return env;
  }

  @Test
  @DisplayName("refuses to start when a model file is missing or has the wrong checksum, naming the file")
  void refusesMissingOrWrongModels() throws Exception {
    Path empty = Files.createTempDirectory("no-models");
    ModelException missing = assertThrows(ModelException.class,
        () -> Service.start(ConfigLoader.load(env("yunet-mobilefacenet", empty, empty, "startup_x"))));
    assertTrue(missing.getMessage().contains("face_detection_yunet_2023mar.onnx"), missing.getMessage());
    assertTrue(missing.getMessage().contains("models fetch --profile yunet-mobilefacenet"), missing.getMessage());

    Path wrong = Files.createTempDirectory("wrong-models");
    Files.writeString(wrong.resolve("face_detection_yunet_2023mar.onnx"), "not a model");
    for (String f : List.of("fr_landmark.onnx", "fr_feature.onnx")) {
      Files.createSymbolicLink(wrong.resolve(f), TestData.modelsDir("faceplugin").resolve(f));
    }
    ModelException bad = assertThrows(ModelException.class,
        () -> Service.start(ConfigLoader.load(env("faceplugin", wrong, wrong, "startup_x"))));
    assertTrue(bad.getMessage().contains("checksum"), bad.getMessage());
  }

  @Test
  @org.junit.jupiter.api.Tag(TestData.FULL_DATA) // the second profile's models come from the full data
  @DisplayName("refuses to start with a recognizer other than the one the gallery was made with")
  void refusesAnotherRecognizer() throws Exception {
    String schema = "startup_" + Long.toHexString(System.nanoTime());
    Path data = Files.createTempDirectory("startup");
    try {
      try (Service yunet = Service.start(ConfigLoader.load(env("yunet-mobilefacenet", TestData.modelsDir("yunet-mobilefacenet"), data, schema)))) {
        Http http = new Http(yunet.port(), ADMIN_KEY);
        String id = http.postJson("/api/v1/subjects", "{\"name\":\"s\"}").json().getString("id");
        Http.Res r = http.postFile("/api/v1/subjects/" + id + "/faces", Files.readAllBytes(TestData.people(2).get(0).get(0)));
        assertEquals(201, r.status(), r.toString());
      }
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Service.start(ConfigLoader.load(env("faceplugin", TestData.modelsDir("faceplugin"), data, schema))));
      assertTrue(e.getMessage().contains("mobilefacenet-128"), e.getMessage());
      assertTrue(e.getMessage().contains("faceplugin"), e.getMessage());
    } finally {
      try (Connection c = dev.facerec.testing.TestDatabase.connect()) {
        c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }
}
