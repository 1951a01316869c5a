package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.facerec.api.http.AccessLog;
import dev.facerec.config.AppConfig;
import dev.facerec.config.BuildInfo;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.OtlpReceiver;
import dev.facerec.testing.OtlpReceiver.ReceivedSpan;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import dev.facerec.tracing.Tracing;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry tracing of a real node (in this JVM, the test PostgreSQL, faceplugin) exporting to an OTLP/HTTP
 * receiver inside the test: an identify request with a W3C traceparent yields spans of that trace for the HTTP request
 * (a child of the caller's span), the inference and the index search, and the access log carries the same trace id.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class TracingIT {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER_SPAN = "00f067aa0ba902b7";

  @Test
  @org.junit.jupiter.api.Order(2)
  @DisplayName("an identify request with a traceparent: HTTP, inference and index search spans of that trace reach the OTLP receiver, and the access log has its trace id")
  void identifyIsTracedEndToEnd() throws Exception {
    String admin = ApiKeys.generate();
    String schema = TestNode.schema("traceit");
    Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    Service service = null;
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
          Files.createTempDirectory("traceit").resolve("data"), schema, admin);
      env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
      env.put("NODE_NAME", "traced-node");
      env.put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint() + "/");
      service = Service.start(ConfigLoader.load(env));
      assertNotNull(((io.vertx.core.internal.VertxInternal) service.vertx()).tracer(), "Vert.x runs with a tracer");
      Http http = new Http(service.port(), admin);

      byte[] face = null;
      String subject = http.postJson("/api/v1/subjects", "{\"name\":\"traced\"}").json().getString("id");
      for (List<Path> person : TestData.people(1)) {
        byte[] b = Files.readAllBytes(person.get(0));
        if (http.postRaw("/api/v1/subjects/" + subject + "/faces", "image/jpeg", b).status() == 201) {
          face = b;
          break;
        }
      }
      assertNotNull(face, "no fixture image could be enrolled");

      Http.Res r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/api/v1/identify"))
          .header("X-API-Key", admin).header("Content-Type", "image/jpeg").header("X-Request-Id", "req-trace-1")
          .header("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01").POST(HttpRequest.BodyPublishers.ofByteArray(face)));
      assertEquals(200, r.status(), r.toString());
      // A credential in a URL never leaves in a span.
      http.get("/api/v1/subjects?access_token=top-secret-token&limit=1");

      long t0 = System.nanoTime();
      List<ReceivedSpan> trace = List.of();
      while (System.nanoTime() - t0 < 30e9) {
        trace = receiver.spans().stream().filter(s -> s.traceId().equals(TRACE)).toList();
        if (has(trace, s -> s.name().equals("index search")) && has(trace, s -> s.name().startsWith("POST "))
            && has(trace, s -> s.attributes().getOrDefault("messaging.destination.name", "").endsWith("index.search")
                && s.kind() == ReceivedSpan.SERVER)) {
          break;
        }
        Thread.sleep(200);
      }
      System.out.println("spans of the trace:");
      trace.forEach(s -> System.out.printf("  %s kind %d span %s parent %s %s%n", s.name(), s.kind(), s.spanId(), s.parentSpanId(),
          s.attributes()));

      ReceivedSpan request = one(trace, s -> s.kind() == ReceivedSpan.SERVER && s.name().equals("POST /api/v1/identify"));
      assertEquals(CALLER_SPAN, request.parentSpanId(), "the request's span is a child of the caller's");
      assertEquals("/api/v1/identify", request.attributes().get("http.route"));
      assertEquals("200", request.attributes().get("http.response.status_code"));
      assertEquals(Tracing.SERVICE_NAME, request.resource().get("service.name"));
      assertEquals(BuildInfo.version(), request.resource().get("service.version"));
      assertEquals("traced-node", request.resource().get("service.instance.id"));

      ReceivedSpan inference = one(trace, s -> s.name().equals("inference embed"));
      assertEquals(request.spanId(), inference.parentSpanId(), "inference runs inside the request");
      ReceivedSpan inferenceSend = one(trace, s -> s.kind() == ReceivedSpan.CLIENT
          && s.attributes().getOrDefault("messaging.destination.name", "").endsWith("inference.embed"));
      assertEquals(inference.spanId(), inferenceSend.parentSpanId(), "the event-bus request is the inference span's child");
      assertTrue(has(trace, s -> s.kind() == ReceivedSpan.SERVER && inferenceSend.spanId().equals(s.parentSpanId())),
          "the inference worker's side of the message carries the trace (as across nodes)");

      ReceivedSpan search = one(trace, s -> s.name().equals("index search"));
      assertEquals(request.spanId(), search.parentSpanId(), "the index search runs inside the request");
      List<ReceivedSpan> shardRequests = trace.stream().filter(s -> s.kind() == ReceivedSpan.CLIENT
          && s.attributes().getOrDefault("messaging.destination.name", "").endsWith("index.search")).toList();
      assertFalse(shardRequests.isEmpty(), "one message per shard");
      shardRequests.forEach(s -> assertEquals(search.spanId(), s.parentSpanId(), "each shard's search is the search span's child"));

      for (ReceivedSpan s : receiver.spans()) {
        assertFalse(s.attributes().toString().contains("top-secret-token"), "a credential in a span: " + s);
        assertFalse(s.attributes().getOrDefault("url.path", "").startsWith("/api/v1/health"), "probes are not traced");
      }

      ILoggingEvent line = lines.list.stream().filter(e -> "req-trace-1".equals(e.getMDCPropertyMap().get("request_id")))
          .findFirst().orElseThrow(() -> new AssertionError("no access line for the identify request"));
      assertEquals(TRACE, line.getMDCPropertyMap().get("trace_id"), "the access log names the span's trace");
    } finally {
      access.detachAppender(lines);
      if (service != null) {
        service.close();
      }
      TestNode.dropSchema(schema);
    }
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  @DisplayName("without OTEL_EXPORTER_OTLP_ENDPOINT tracing is off: no SDK, no tracer for Vert.x, no exporter thread")
  void offWithoutEndpoint() {
    AppConfig.Tracing off = ConfigLoader.load(Map.of()).tracing();
    assertFalse(off.enabled());
    try (Tracing t = Tracing.start(off, "n", "[API]")) {
      assertFalse(t.enabled());
      assertNull(t.vertxTracer());
      assertNull(t.tracer());
    }
    assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(th -> th.getName().startsWith("BatchSpanProcessor")),
        "an exporter thread runs");
  }

  static boolean has(List<ReceivedSpan> spans, Predicate<ReceivedSpan> p) {
    return spans.stream().anyMatch(p);
  }

  static ReceivedSpan one(List<ReceivedSpan> spans, Predicate<ReceivedSpan> p) {
    return spans.stream().filter(p).findFirst().orElseThrow(() -> new AssertionError("no such span in " + spans));
  }
}
