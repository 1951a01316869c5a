package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Malformed;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every request ends: malformed enrollments under concurrency, and a client that never finishes its body. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestsEndIT {
  private static final String ADMIN_KEY = ApiKeys.generate();
  private static final long DEADLINE_MS = 6000;
  private final String schema = TestNode.schema("requestsend");
  private Service service;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("requestsend"), schema, ADMIN_KEY);
    env.put("REQUEST_TIMEOUT_MS", String.valueOf(DEADLINE_MS));
    env.put("INFERENCE_QUEUE_SIZE", "64");
    env.put("RATE_LIMIT_ENROLL", "100000");
    env.put("RATE_LIMIT_ADMIN", "100000");
    service = Service.start(ConfigLoader.load(env));
    http = new Http(service.port(), ADMIN_KEY);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
  }

  @Test
  @DisplayName("400 enrollments with malformed bodies from 8 clients on keep-alive connections are all answered, none with 5xx")
  void malformedEnrollmentsUnderConcurrencyAllEnd() throws Exception {
    String subject = http.postJson("/api/v1/subjects", "{\"name\":\"target\"}").json().getString("id");
    byte[] image = Files.readAllBytes(TestData.people(2).get(0).get(0));
    int clients = 8;
    int perClient = 50;
    Map<String, AtomicInteger> byStatus = new ConcurrentHashMap<>();
    List<String> unanswered = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> all = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      all.add(pool.submit(() -> {
        // One connection pool per client: requests follow each other on kept-alive connections, as real clients do.
        HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(1000 + client);
        for (int i = 0; i < perClient; i++) {
          Malformed.Body body = Malformed.multipart((client + i) % Malformed.MULTIPART_KINDS, image, random);
          String target = i % 5 == 4 ? java.util.UUID.randomUUID().toString() : subject; // some for a subject that does not exist
          HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/api/v1/subjects/" + target + "/faces"))
              .header("X-API-Key", ADMIN_KEY).header("Content-Type", body.contentType())
              .timeout(Duration.ofSeconds(15)) // far beyond the request deadline: only a hung request gets here
              .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build();
          try {
            HttpResponse<String> r = hc.send(req, HttpResponse.BodyHandlers.ofString());
            byStatus.computeIfAbsent(r.statusCode() + " " + code(r.body()), k -> new AtomicInteger()).incrementAndGet();
          } catch (java.net.http.HttpTimeoutException e) {
            unanswered.add(body.kind());
          } catch (java.io.IOException e) {
            // The server may close a connection after refusing a body it will not read; that is an answer only if one came.
            byStatus.computeIfAbsent("closed: " + body.kind(), k -> new AtomicInteger()).incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : all) {
      f.get(10, TimeUnit.MINUTES);
    }
    pool.shutdown();
    System.out.println("malformed enrollments by answer: " + new TreeMap<>(byStatus) + ", unanswered: " + unanswered.size());
    assertTrue(unanswered.isEmpty(), "requests without an answer within 15 s: " + unanswered);
    byStatus.forEach((k, v) -> {
      assertTrue(!k.startsWith("5"), k + " x" + v);
      assertTrue(!k.startsWith("closed"), "a connection closed without an answer: " + k + " x" + v);
    });
    int answered = byStatus.values().stream().mapToInt(AtomicInteger::get).sum();
    assertEquals(clients * perClient, answered);
  }

  @Test
  @DisplayName("a client that never finishes its body gets 503 REQUEST_TIMEOUT with Retry-After once REQUEST_TIMEOUT_MS has passed")
  void slowBodyGetsRequestTimeout() throws Exception {
    try (Socket s = new Socket("127.0.0.1", service.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      long t0 = System.nanoTime();
      out.write(("POST /api/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ADMIN_KEY
          + "\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(new byte[100]); // then nothing more
      out.flush();
      String head = readHead(s.getInputStream());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("slow body answered after %d ms: %s%n", ms, head.lines().findFirst().orElse(""));
      assertTrue(head.startsWith("HTTP/1.1 503"), head);
      assertTrue(head.toLowerCase().contains("retry-after:"), head);
      assertTrue(ms >= DEADLINE_MS - 100 && ms < DEADLINE_MS + 4000, "answered after " + ms + " ms with a deadline of " + DEADLINE_MS + " ms");
    }
    Http.Res after = http.get("/api/v1/subjects");
    assertEquals(200, after.status(), "the node serves on");
  }

  private static String readHead(InputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        byte[] body = new byte[4096];
        int n = in.read(body);
        return sb + (n > 0 ? new String(body, 0, n, StandardCharsets.UTF_8) : "");
      }
    }
    return sb.toString();
  }

  private static String code(String body) {
    try {
      return new io.vertx.core.json.JsonObject(body).getJsonObject("error").getString("code");
    } catch (RuntimeException e) {
      return "-";
    }
  }
}
