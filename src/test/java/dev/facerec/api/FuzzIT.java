package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Malformed;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * About 2,000 mutated images and malformed multipart bodies (fixed seed) through detect, identify and enroll from 4
 * concurrent clients, against a node in its own JVM: every request is answered within the deadline, none with a
 * 5xx, the node's memory stays bounded, and its log holds no stack trace.
 */
class FuzzIT {
  private static final String KEY = ApiKeys.generate();
  private static final int CLIENTS = 4;
  private static final int PER_CLIENT = 500;
  private static final long SEED = 20240917L;

  @Test
  @DisplayName("2,000 fuzzed uploads from 4 clients: all answered, no 5xx, RSS bounded, no stack trace nor native noise in the log")
  void fuzzedUploadsAreAllAnsweredWithoutServerErrors() throws Exception {
    String schema = TestNode.schema("fuzz");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("fuzz"), schema, KEY);
    int port = NodeProcess.freePort();
    env.put("API_PORT", String.valueOf(port));
    env.put("RATE_LIMIT_ADMIN", "1000000");
    env.put("MAX_BODY_BYTES", String.valueOf(2 << 20));
    env.put("DUPLICATE_CHECK", "false");
    List<byte[]> seeds = new ArrayList<>();
    for (String f : List.of("groups/faceapi_bbt1.jpg", "groups/ageitgey_two_people.jpg", "groups/deepface_couple.jpg")) {
      seeds.add(Files.readAllBytes(TestData.faces().resolve(f)));
    }
    seeds.add(Files.readAllBytes(TestData.people(2).get(5).get(0)));
    seeds.add(dev.facerec.testing.Images.blankPng(300, 200));
    try (NodeProcess node = new NodeProcess("fuzz", env, port).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      Http http = new Http(port, KEY);
      String subject = http.postJson("/api/v1/subjects", "{\"name\":\"fuzz\"}").json().getString("id");
      long rss0 = node.rssKb();
      Map<String, AtomicInteger> byStatus = new ConcurrentHashMap<>();
      AtomicInteger unanswered = new AtomicInteger();
      AtomicLong maxRss = new AtomicLong(rss0);
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
      long t0 = System.nanoTime();
      Future<?> sampler = pool.submit(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          maxRss.accumulateAndGet(node.rssKb(), Math::max);
          try {
            Thread.sleep(500);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        clients.add(pool.submit(() -> {
          Random random = new Random(SEED + client);
          HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
          for (int i = 0; i < PER_CLIENT; i++) {
            byte[] image = seeds.get(random.nextInt(seeds.size()));
            String path = switch (random.nextInt(3)) {
              case 0 -> "/api/v1/detect";
              case 1 -> "/api/v1/identify";
              default -> "/api/v1/subjects/" + subject + "/faces";
            };
            String type;
            byte[] body;
            int what = random.nextInt(10);
            if (what < 6) { // a mutated image, in a well-formed multipart body
              type = "multipart/form-data; boundary=" + Malformed.BOUNDARY;
              body = Malformed.filePart("file", "f.jpg", Malformed.mutate(image, random));
            } else if (what < 7) { // a mutated image as a raw body
              type = "image/jpeg";
              body = Malformed.mutate(image, random);
            } else { // a malformed multipart body
              Malformed.Body b = Malformed.multipart(random.nextInt(Malformed.MULTIPART_KINDS), image, random);
              type = b.contentType();
              body = b.bytes();
            }
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-API-Key", KEY)
                .header("Content-Type", type).timeout(Duration.ofSeconds(40)) // REQUEST_TIMEOUT_MS (30 s) and a margin
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            try {
              HttpResponse<String> r = hc.send(req, HttpResponse.BodyHandlers.ofString());
              String code = r.statusCode() < 300 ? "" : " " + new io.vertx.core.json.JsonObject(r.body()).getJsonObject("error").getString("code");
              byStatus.computeIfAbsent(r.statusCode() + code, k -> new AtomicInteger()).incrementAndGet();
            } catch (java.net.http.HttpTimeoutException e) {
              unanswered.incrementAndGet();
            } catch (java.io.IOException e) {
              // a connection closed without an answer (the 413 lost to a reset, say) is counted and fails the test
              byStatus.computeIfAbsent("closed", k -> new AtomicInteger()).incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : clients) {
        f.get(15, TimeUnit.MINUTES);
      }
      sampler.cancel(true);
      pool.shutdownNow();
      long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
      long heap = node.heapUsedAfterGcKb();
      String log = node.logOfThisRun();
      long stackLines = log.lines().filter(l -> l.startsWith("\tat ")).count();
      long nativeNoise = log.lines().filter(l -> l.contains("libpng") || l.contains("Corrupt JPEG") || l.contains("Premature end")
          || l.contains("imgcodecs") || l.startsWith("[ WARN:")).count();
      int total = byStatus.values().stream().mapToInt(AtomicInteger::get).sum() + unanswered.get();
      System.out.printf("fuzz: %d requests in %d s from %d clients (seed %d): %s; unanswered %d; RSS %d -> max %d MiB; heap after GC %d MiB;"
          + " stack-trace lines in the log %d, native noise lines %d%n", total, seconds, CLIENTS, SEED, new TreeMap<>(byStatus),
          unanswered.get(), rss0 / 1024, maxRss.get() / 1024, heap / 1024, stackLines, nativeNoise);
      assertEquals(CLIENTS * PER_CLIENT, total);
      assertEquals(0, unanswered.get(), "requests without an answer within the deadline");
      byStatus.forEach((k, v) -> assertTrue(!k.startsWith("5"), "server error: " + k + " x" + v));
      assertEquals(null, byStatus.get("closed"), "connections closed without an answer");
      assertTrue(maxRss.get() - rss0 < 512 * 1024, "RSS grew by " + (maxRss.get() - rss0) / 1024 + " MiB");
      assertTrue(heap < 256 * 1024, "heap retained after the run: " + heap / 1024 + " MiB");
      assertEquals(0, stackLines, "no stack trace in the log for any client input");
      assertEquals(0, nativeNoise, "the decoders' complaints go through the logger at DEBUG, not raw to stderr");
      assertEquals(200, http.get("/api/v1/health/ready").status());
    } finally {
      TestNode.dropSchema(schema);
    }
  }
}
