package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Regressions of the HTTP protocol defects found while trying the service (issue 10, section 7): CORS from an
 * unlisted origin, probes and scrapes under the anonymous budget, good keys throttled with bad ones,
 * WWW-Authenticate without error="invalid_token", HEAD missing where GET works, REQUEST_TIMEOUT_MS unread.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProtocolIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final String ALLOWED = "https://app.example.test";
  static final int ANONYMOUS = 5;
  static final int FREE_FAILURES = 3;

  final String schema = TestNode.schema("protoit");
  Service service;
  Http admin;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("protoit");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"),
        schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("CORS_ORIGINS", ALLOWED);
    env.put("RATE_LIMIT_ANONYMOUS", String.valueOf(ANONYMOUS));
    env.put("AUTH_FAILURES_BEFORE_BACKOFF", String.valueOf(FREE_FAILURES));
    env.put("REQUEST_TIMEOUT_MS", "1500");
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
  }

  @Test
  @Order(1)
  @DisplayName("an unlisted Origin gets 403 CORS_ORIGIN_REFUSED (health included), never a 5xx; a listed one gets CORS headers, Vary and Max-Age")
  void corsRefusesUnlistedOriginsCleanly() {
    for (String path : List.of("/api/v1/health", "/api/v1/subjects", "/metrics")) {
      Http.Res r = admin.withHeader("Origin", "https://evil.example.test").get(path);
      assertEquals(403, r.status(), path + ": " + r);
      assertEquals("CORS_ORIGIN_REFUSED", r.errorCode());
      assertEquals("Origin", r.header("Vary"));
    }
    Http.Res preflight = admin.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/identify")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://evil.example.test").header("Access-Control-Request-Method", "POST"));
    assertEquals(403, preflight.status(), preflight.toString());
    Http.Res ok = admin.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/identify")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", ALLOWED).header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "x-api-key"));
    assertTrue(ok.status() == 200 || ok.status() == 204, ok.toString());
    assertEquals(ALLOWED, ok.header("Access-Control-Allow-Origin"));
    assertEquals("600", ok.header("Access-Control-Max-Age"));
    Http.Res listed = admin.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/subjects")).header("Origin", ALLOWED).header("X-API-Key", ADMIN_KEY).GET());
    assertEquals(200, listed.status(), listed.toString());
    assertEquals(ALLOWED, listed.header("Access-Control-Allow-Origin"));
    assertEquals("Origin", listed.header("Vary"));
    Http.Res same = admin.withHeader("Origin", "http://127.0.0.1:" + service.port()).get("/api/v1/health");
    assertEquals(200, same.status(), "a page of this server is not cross-origin: " + same);
  }

  @Test
  @Order(2)
  @DisplayName("75 quick probes and scrapes each are never rate limited; other anonymous requests keep their budget")
  void probesAndScrapesAreNeverRateLimited() {
    Http anonymous = admin.anonymous();
    for (String path : List.of("/api/v1/health", "/api/v1/health/ready", "/metrics", "/api/v1/openapi.yaml", "/openapi.yaml")) {
      for (int i = 0; i < 75; i++) {
        Http.Res r = anonymous.get(path);
        assertTrue(r.status() == 200 || r.status() == 302, path + " request " + (i + 1) + ": " + r);
      }
    }
    // the budget (partly spent by the CORS test's requests without credentials) still holds elsewhere
    Http.Res first = anonymous.get("/api/v1/subjects");
    assertEquals(401, first.status(), first.toString());
    assertEquals("Bearer realm=\"facerec\"", first.header("WWW-Authenticate"), "no error without a credential (RFC 6750)");
    Http.Res r = first;
    for (int i = 0; i < ANONYMOUS && r.status() != 429; i++) {
      r = anonymous.get("/api/v1/subjects");
    }
    assertEquals(429, r.status(), r.toString());
    assertEquals("RATE_LIMITED", r.errorCode());
  }

  @SuppressWarnings("unchecked")
  @Test
  @Order(3)
  @DisplayName("HEAD answers wherever GET does: same status and headers, no body")
  void headWhereverGet() throws Exception {
    Map<String, Object> doc;
    try (InputStream in = ProtocolIT.class.getResourceAsStream("/openapi/openapi.yaml")) {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    }
    int checked = 0;
    for (Map.Entry<String, Object> e : ((Map<String, Object>) doc.get("paths")).entrySet()) {
      if (e.getKey().contains("{") || !((Map<String, Object>) e.getValue()).containsKey("get")) {
        continue;
      }
      checked += head(e.getKey());
    }
    for (String path : List.of("/metrics", "/docs/index.html", "/api/v1/nothing-here")) {
      checked += head(path);
    }
    assertTrue(checked >= 12, "paths checked: " + checked);
  }

  int head(String path) {
    Http.Res get = admin.get(path);
    Http.Res head = admin.send(HttpRequest.newBuilder(URI.create(base() + path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(get.status(), head.status(), "HEAD " + path + ": " + head);
    assertEquals("", head.body(), "HEAD " + path + " has no body");
    assertEquals(get.header("Content-Type"), head.header("Content-Type"), path);
    return 1;
  }

  @Test
  @Order(5)
  @DisplayName("a known path with another method answers 405 METHOD_NOT_ALLOWED, an unknown path 404 NOT_FOUND")
  void methodNotAllowedIsNotNotFound() {
    Http.Res wrongMethod = admin.delete("/api/v1/detect");
    assertEquals(405, wrongMethod.status(), wrongMethod.toString());
    assertEquals("METHOD_NOT_ALLOWED", wrongMethod.errorCode());
    Http.Res cf = admin.delete("/api/v1/recognition/recognize");
    assertEquals(405, cf.status(), cf.toString());
    assertEquals(32, cf.json().getInteger("code"), "CompreFace's shape there: " + cf);
    Http.Res unknown = admin.get("/api/v1/no-such-thing");
    assertEquals(404, unknown.status(), unknown.toString());
    assertEquals("NOT_FOUND", unknown.errorCode());
    assertEquals("nosniff", unknown.header("X-Content-Type-Options"), "the security headers are on errors of the router too");
  }

  @Test
  @Order(4)
  @DisplayName("REQUEST_TIMEOUT_MS ends a stalled request with 503 REQUEST_TIMEOUT")
  void stalledRequestTimesOut() throws Exception {
    try (Socket s = new Socket("127.0.0.1", service.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ADMIN_KEY
          + "\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff});
      out.flush();
      long t0 = System.nanoTime();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
      assertTrue(answer.contains("REQUEST_TIMEOUT"), answer);
      assertTrue(seconds > 1 && seconds < 8, "answered after " + seconds + " s");
    }
  }

  @Test
  @Order(99)
  @DisplayName("after bad credentials an address is backed off, but a key this node already accepted still works; WWW-Authenticate says invalid_token")
  void badTokensDoNotThrottleGoodKeys() {
    assertEquals(200, admin.get("/api/v1/subjects").status(), "the admin key, accepted once");
    Http created = admin.withKey(admin.postJson("/api/v1/admin/keys", "{\"roles\":[\"enroll\"]}").json().getString("key"));
    Http wrong = admin.withKey("fr_" + "C".repeat(43));
    Http.Res r = null;
    for (int i = 0; i <= FREE_FAILURES; i++) {
      r = wrong.get("/api/v1/subjects");
      if (r.status() == 401) {
        assertEquals("Bearer realm=\"facerec\", error=\"invalid_token\"", r.header("WWW-Authenticate"));
      }
    }
    assertEquals(429, r.status(), r.toString());
    assertEquals("AUTH_THROTTLED", r.errorCode());
    assertEquals(429, wrong.get("/api/v1/subjects").status(), "bad credentials stay throttled");
    assertEquals(200, admin.get("/api/v1/subjects").status(), "a good key of the address is not throttled");
    Http.Res fresh = created.get("/api/v1/subjects");
    assertEquals(429, fresh.status(), "a key never accepted here is looked up only after the back-off: " + fresh);
    assertNotNull(fresh.header("Retry-After"));
    assertNull(fresh.header("WWW-Authenticate"));
  }

  String base() {
    return "http://127.0.0.1:" + service.port();
  }
}
