package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Limits with their own codes: faces per image, and the budget of requests without credentials. */
class LimitsIT {
  private static final String ADMIN_KEY = ApiKeys.generate();

  @Test
  @DisplayName("an image with more faces than MAX_FACES_PER_IMAGE is refused; requests without credentials have their own budget")
  void facesPerImageAndAnonymousBudget() throws Exception {
    String schema = TestNode.schema("limits");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("limits"), schema, ADMIN_KEY);
    env.put("MAX_FACES_PER_IMAGE", "4");
    env.put("RATE_LIMIT_ANONYMOUS", "3");
    env.put("AUTH_FAILURES_BEFORE_BACKOFF", "1000");
    try (Service service = Service.start(ConfigLoader.load(env))) {
      Http http = new Http(service.port(), ADMIN_KEY);
      Path six = TestData.faces().resolve("groups/faceapi_bbt4.jpg");
      ApiTestBase.expect(http.postRaw("/api/v1/detect", "image/jpeg", Files.readAllBytes(six)), 422, "TOO_MANY_FACES");
      Path four = TestData.faces().resolve("groups/faceapi_bbt1.jpg");
      assertEquals(200, http.postRaw("/api/v1/detect", "image/jpeg", Files.readAllBytes(four)).status());

      Http anonymous = http.anonymous();
      for (int i = 0; i < 3; i++) {
        assertEquals(401, anonymous.get("/api/v1/subjects").status());
      }
      Http.Res limited = anonymous.get("/api/v1/subjects");
      ApiTestBase.expect(limited, 429, "RATE_LIMITED");
      assertNotNull(limited.header("Retry-After"));
      assertEquals(200, http.get("/api/v1/subjects").status(), "a key has its own budget");
    } finally {
      TestNode.dropSchema(schema);
    }
  }
}
