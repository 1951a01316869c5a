package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * LOG_FORMAT=json of a real node process: every line parses with the conventional fields, one access line per
 * request with the route template, the request id, the key id and the traceparent's trace id, no names; a bad
 * configuration is reported in the same format.
 */
class LoggingIT {
  @Test
  @DisplayName("JSON logs: @timestamp, level, logger_name, thread_name, message; an access line per request with route, ids and trace id; never a name")
  void jsonLogsWithAccessLines() throws Exception {
    String admin = ApiKeys.generate();
    String schema = TestNode.schema("logit");
    int port = NodeProcess.freePort();
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("logit"), schema, admin);
    env.put("API_PORT", String.valueOf(port));
    env.put("LOG_FORMAT", "json");
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    try (NodeProcess node = new NodeProcess("logit-" + schema, env, port).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      Http http = new Http(port, admin);
      String id = http.postJson("/api/v1/subjects", "{\"name\":\"Secret Person Name\"}").json().getString("id");
      Http.Res r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/subjects/" + id))
          .header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01").header("X-Request-Id", "req-log-1").GET());
      assertEquals(200, r.status());
      http.withKey("fr_" + "Q".repeat(43)).get("/api/v1/subjects");
      Thread.sleep(500);
      List<JsonObject> lines = new ArrayList<>();
      for (String line : node.logText().lines().toList()) {
        if (line.startsWith("---- start")) {
          continue;
        }
        if (line.equals("WARNING: Using incubator modules: jdk.incubator.vector")) {
          continue; // the JVM's own notice on stderr, before any logging, for --add-modules (docs/configuration.md)
        }
        JsonObject j = new JsonObject(line); // every line is one JSON object
        OffsetDateTime.parse(j.getString("@timestamp"));
        for (String field : List.of("level", "logger_name", "thread_name", "message")) {
          assertNotNull(j.getString(field), field + " in " + line);
        }
        lines.add(j);
        assertFalse(line.contains("Secret Person Name"), "a name in the logs: " + line);
      }
      JsonObject access = lines.stream().filter(j -> "dev.facerec.access".equals(j.getString("logger_name"))
          && "req-log-1".equals(j.getString("request_id"))).findFirst().orElseThrow(() -> new AssertionError("no access line"));
      assertEquals("INFO", access.getString("level"));
      assertEquals("GET", access.getString("method"));
      assertEquals("/api/v1/subjects/:id", access.getString("route"), "the template, not the path with the id");
      assertEquals(200, access.getInteger("status"));
      assertTrue(access.getDouble("duration_ms") >= 0);
      assertEquals(trace, access.getString("trace_id"));
      assertTrue(access.getString("key_id").startsWith("key:"), access.encode());
      assertTrue(lines.stream().anyMatch(j -> "dev.facerec.access".equals(j.getString("logger_name")) && j.getInteger("status") == 401),
          "a refused request is logged too");
      assertTrue(lines.stream().noneMatch(j -> dev.facerec.tracing.Tracing.class.getName().equals(j.getString("logger_name"))),
          "without OTEL_EXPORTER_OTLP_ENDPOINT no tracing starts");
    } finally {
      TestNode.dropSchema(schema);
    }
  }

  @Test
  @DisplayName("a configuration error at start is one JSON line with LOG_FORMAT=json")
  void configurationErrorInJson() throws Exception {
    List<String> cmd = NodeProcess.command();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(NodeProcess.environment());
    pb.environment().put("LOG_FORMAT", "json");
    pb.environment().put("API_PORT", "not-a-port");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    JsonObject line = new JsonObject(out.lines().reduce((a, b) -> b).orElseThrow());
    assertEquals("ERROR", line.getString("level"));
    assertTrue(line.getString("message").contains("API_PORT='not-a-port'"), line.encode());
  }
}
