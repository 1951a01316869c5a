package dev.facerec.smoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The post-deployment smoke command against a real node: passes; fails naming the step with a wrong key or no node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmokeIT {
  private static final String ADMIN_KEY = ApiKeys.generate();
  private final String schema = TestNode.schema("smokeit");
  private Service node;

  @BeforeAll
  void start() throws Exception {
    node = Service.start(ConfigLoader.load(TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("smokeit"), schema, ADMIN_KEY)));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    TestNode.dropSchema(schema);
  }

  private record Run(int code, String out) {}

  private static Run smoke(String url, String key) throws Exception {
    Path keyFile = Files.createTempFile("smoke-key", "");
    Files.writeString(keyFile, key + "\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    int code = SmokeCommand.run(new String[] {"--url", url, "--key-file", keyFile.toString(), "--timeout", "60"}, ps, ps);
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    return new Run(code, text);
  }

  @Test
  @DisplayName("passes every step against a healthy node and leaves no subject behind")
  void passesAgainstAHealthyNode() throws Exception {
    Run r = smoke("http://127.0.0.1:" + node.port(), ADMIN_KEY);
    assertEquals(0, r.code(), r.out());
    for (String step : new String[] {"liveness", "readiness", "health-details", "detect", "enroll", "identify", "delete", "metrics"}) {
      assertTrue(Pattern.compile("OK +" + step + " ").matcher(r.out()).find(), step + " in\n" + r.out());
    }
    Matcher m = Pattern.compile(" in (smoke-[0-9a-f]+)").matcher(r.out());
    assertTrue(m.find(), r.out());
    Http.Res left = new Http(node.port(), ADMIN_KEY).get("/api/v1/subjects?collection=" + m.group(1));
    assertEquals(0, left.json().getLong("total"), "the scratch subject is deleted: " + left);
  }

  @Test
  @DisplayName("fails at health-details with a wrong key, naming the step")
  void failsWithAWrongKey() throws Exception {
    Run r = smoke("http://127.0.0.1:" + node.port(), ApiKeys.generate());
    assertEquals(1, r.code(), r.out());
    assertTrue(r.out().contains("FAILED at health-details: HTTP 401"), r.out());
  }

  @Test
  @DisplayName("fails at liveness when no node listens")
  void failsWithoutANode() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r = smoke("http://127.0.0.1:" + port, ADMIN_KEY);
    assertEquals(1, r.code(), r.out());
    assertTrue(r.out().contains("FAILED at liveness: no answer"), r.out());
  }
}
