package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Load;
import dev.facerec.testing.Malformed;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real faults against a node in its own JVM and a PostgreSQL this test starts (so that it can stop it): kill -9
 * during concurrent enrollments, the database stopped for 30 s under mixed load, SIGTERM under load, and a start
 * while the database is down. Each prints its figures: requests sent, answered by status, unanswered, writes lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {
  private static final String KEY = ApiKeys.generate();
  private static final String PROFILE = "faceplugin";
  private Path root;
  private Path models;
  private Path pgDir;
  private int pgPort;
  private EmbeddedPostgres pg;

  @BeforeAll
  void startDatabase() throws Exception {
    root = Files.createTempDirectory("faults");
    models = TestData.modelsDir(PROFILE);
    pgDir = root.resolve("pg");
    pg = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(false).start();
    pgPort = pg.getPort();
  }

  @AfterAll
  void stopDatabase() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  private void stopPg() throws Exception {
    pg.close(); // pg_ctl stop -m fast: sessions are ended, new connections refused
    pg = null;
  }

  private void startPg() throws Exception {
    pg = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(false).setPort(pgPort).start();
  }

  private Map<String, String> env(String name, String schema) {
    Map<String, String> env = TestNode.env(PROFILE, models, root.resolve(name), schema, KEY);
    env.put("DATABASE_URL", "postgres://postgres@127.0.0.1:" + pgPort + "/postgres?schema=" + schema);
    env.put("API_PORT", String.valueOf(NodeProcess.freePort()));
    env.put("RATE_LIMIT_ADMIN", "1000000");
    env.put("INFERENCE_QUEUE_SIZE", "64");
    return env;
  }

  private static NodeProcess node(String name, Map<String, String> env) {
    return new NodeProcess(name, env, Integer.parseInt(env.get("API_PORT")));
  }

  private static HttpRequest image(int port, String path, byte[] image) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-API-Key", KEY)
        .header("Content-Type", "multipart/form-data; boundary=" + Malformed.BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(Malformed.filePart("file", "f.jpg", image))).build();
  }

  private static HttpRequest json(int port, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-API-Key", KEY)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Acked(String subject, String face, Path image) {}

  @Test
  @Order(1)
  @DisplayName("kill -9 during 8 concurrent enrollers: every acknowledged face is there after the restart and is identified")
  void killNineDuringEnrollments() throws Exception {
    String schema = TestNode.schema("faults_kill");
    Map<String, String> env = env("kill", schema);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "2");
    // every fixture image once, people's first images first: a new subject each, so the first pass enrolls one face
    // per person and later images of the same person are mostly refused as duplicates (409, not acknowledged)
    List<Path> images = new ArrayList<>();
    List<List<Path>> people = TestData.people(1);
    for (int k = 0; k < 10; k++) {
      for (List<Path> person : people) {
        if (k < person.size()) {
          images.add(person.get(k));
        }
      }
    }
    List<Acked> acked = new CopyOnWriteArrayList<>();
    int[] attempts = new int[8];
    int[] cutOff = new int[8];
    try (NodeProcess node = node("faults-kill", env).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      Http http = new Http(node.port(), KEY);
      List<Thread> enrollers = new ArrayList<>();
      for (int e = 0; e < 8; e++) {
        int me = e;
        Thread t = new Thread(() -> {
          for (int i = me; i < images.size(); i += 8) {
            Path img = images.get(i);
            try {
              attempts[me]++;
              String subject = http.postJson("/api/v1/subjects", new JsonObject().put("name", img.getParent().getFileName().toString()).encode())
                  .json().getString("id");
              Http.Res r = http.postFile("/api/v1/subjects/" + subject + "/faces", read(img));
              if (r.status() == 201) {
                acked.add(new Acked(subject, r.json().getString("id"), img));
              }
            } catch (RuntimeException killed) {
              cutOff[me]++; // the node died under this request: it was never acknowledged
              return;
            }
          }
        });
        t.start();
        enrollers.add(t);
      }
      // the kill lands mid-stream: once a third of the images were sent (or after 12 s)
      for (long until = System.nanoTime() + 12_000_000_000L;
          java.util.Arrays.stream(attempts).sum() < images.size() / 3 && System.nanoTime() < until; ) {
        Thread.sleep(20);
      }
      node.kill9();
      for (Thread t : enrollers) {
        t.join(30_000);
      }
      int ackedAtKill = acked.size();

      node.start().awaitReady(Duration.ofSeconds(120));
      int lost = 0;
      int notIdentified = 0;
      for (Acked a : acked) {
        Http.Res faces = http.get("/api/v1/subjects/" + a.subject() + "/faces");
        boolean there = faces.status() == 200 && faces.json().getJsonArray("items").stream()
            .anyMatch(f -> a.face().equals(((JsonObject) f).getString("id")));
        if (!there) {
          lost++;
          continue;
        }
        Http.Res id = http.postFile("/api/v1/identify?largestOnly=true", read(a.image()));
        JsonObject face = id.status() == 200 ? id.json().getJsonArray("faces").getJsonObject(0) : new JsonObject();
        if (!"match".equals(face.getString("decision")) || !a.subject().equals(face.getJsonObject("subject").getString("id"))) {
          notIdentified++;
        }
      }
      int sent = java.util.Arrays.stream(attempts).sum();
      System.out.printf("kill -9: %d enrollments tried by 8 enrollers, %d acknowledged (201), %d cut off by the kill;"
          + " after the restart: %d acknowledged faces lost, %d not identified as their subject%n", sent, ackedAtKill,
          java.util.Arrays.stream(cutOff).sum(), lost, notIdentified);
      assertTrue(ackedAtKill >= 16, "enough enrollments to mean something: " + ackedAtKill);
      assertEquals(0, lost, "acknowledged enrollments lost");
      assertEquals(0, notIdentified, "acknowledged faces not identified as their subject");
    }
  }

  @Test
  @Order(2)
  @DisplayName("PostgreSQL stopped for 30 s under mixed load: reads answer 200, writes 503 with Retry-After, no 500, recovery without a restart")
  void databaseOutageUnderMixedLoad() throws Exception {
    String schema = TestNode.schema("faults_outage");
    Map<String, String> env = env("outage", schema);
    try (NodeProcess node = node("faults-outage", env).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      int port = node.port();
      Http http = new Http(port, KEY);
      List<List<Path>> identities = TestData.people(2);
      List<String> subjects = new ArrayList<>();
      List<byte[]> enrolled = new ArrayList<>();
      for (int i = 10; subjects.size() < 3; i++) {
        String s = http.postJson("/api/v1/subjects", "{\"name\":\"known-" + i + "\"}").json().getString("id");
        byte[] img = read(identities.get(i).get(0));
        if (http.postFile("/api/v1/subjects/" + s + "/faces", img).status() == 201) { // some photos fail the quality gate
          subjects.add(s);
          enrolled.add(img);
        }
      }
      byte[] probe = enrolled.get(0);
      byte[] group = read(TestData.faces().resolve("groups/faceapi_bbt1.jpg"));
      byte[] another = enrolled.get(1);
      IntFunction<IntFunction<Load.Op>> clients = c -> n -> switch (c) {
        case 0 -> new Load.Op("identify", image(port, "/api/v1/identify?largestOnly=true", probe));
        case 1 -> new Load.Op("detect", image(port, "/api/v1/detect", group));
        case 2 -> new Load.Op("write:subject", json(port, "/api/v1/subjects", "{\"name\":\"during-" + n + "\"}"));
        default -> new Load.Op("write:face", image(port, "/api/v1/subjects/" + subjects.get(1) + "/faces", another));
      };
      long stopAt;
      long startAt;
      long end;
      Http.Res health;
      try (Load load = new Load(4, clients, 100, Duration.ofSeconds(40))) {
        Thread.sleep(5_000);
        stopPg();
        stopAt = load.now(); // after pg_ctl stop returned: a request started while it was shutting down may still commit
        Thread.sleep(15_000);
        health = http.get("/api/v1/health/details");
        Thread.sleep(15_000);
        startAt = load.now();
        startPg();
        Thread.sleep(15_000);
        end = load.now();
        load.close();
        List<Load.Outcome> all = load.outcomes();
        long firstWriteRefused = all.stream().filter(o -> o.op().startsWith("write") && o.status() == 503 && o.atMs() >= stopAt)
            .mapToLong(Load.Outcome::atMs).min().orElse(-1);
        long firstWriteBack = all.stream().filter(o -> o.op().startsWith("write") && o.status() / 100 == 2 && o.atMs() >= startAt)
            .mapToLong(Load.Outcome::atMs).min().orElse(-1);
        long readsFailed = all.stream().filter(o -> !o.op().startsWith("write") && o.status() != 200).count();
        System.out.printf("database outage: %d requests; before %s; during the 30 s outage %s; after %s;"
            + " first write refused %d ms after the stop, first write accepted %d ms after the restart, reads not 200: %d;"
            + " health details during the outage: %d %s%n", all.size(), load.counts(0, stopAt), load.counts(stopAt, startAt),
            load.counts(startAt, end), firstWriteRefused - stopAt, firstWriteBack - startAt, readsFailed, health.status(),
            health.json().getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id") + "=" + ((JsonObject) c).getString("status")).toList());
        for (Load.Outcome o : all) {
          assertTrue(o.answered(), "no answer: " + o);
          assertTrue(o.status() != 500, "500: " + o);
          if (o.status() == 503) {
            assertTrue(o.retryAfter(), "503 without Retry-After: " + o);
          }
          if (!o.op().startsWith("write")) {
            assertEquals(200, o.status(), "identify and detect answer from memory: " + o);
          }
          if (o.op().startsWith("write") && o.atMs() >= stopAt && o.atMs() < startAt) {
            assertEquals(503, o.status(), "writes during the outage: " + o);
            assertEquals("DATABASE_UNAVAILABLE", o.code());
          }
        }
        assertTrue(firstWriteBack >= 0 && firstWriteBack - startAt < 15_000, "writes recover without a restart");
        assertTrue(all.stream().filter(o -> o.op().startsWith("write") && o.atMs() >= end - 3_000).allMatch(o -> o.status() / 100 == 2),
            "every write of the last 3 s succeeds");
        assertEquals(503, health.status(), "health details answer during the outage, naming the database");
        assertTrue(health.body().contains("database"));
      }
    }
  }

  @Test
  @Order(3)
  @DisplayName("SIGTERM under load from 8 clients: requests in flight finish, new ones get 503 NODE_UNAVAILABLE, none closed unanswered, no 500, the snapshot saved")
  void sigtermUnderLoad() throws Exception {
    String schema = TestNode.schema("faults_term");
    Map<String, String> env = env("term", schema);
    env.put("SHUTDOWN_GRACE_S", "30");
    try (NodeProcess node = node("faults-term", env).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      int port = node.port();
      Http http = new Http(port, KEY);
      List<List<Path>> identities = TestData.people(2);
      String subject = http.postJson("/api/v1/subjects", "{\"name\":\"term\"}").json().getString("id");
      assertEquals(201, http.postFile("/api/v1/subjects/" + subject + "/faces", read(identities.get(20).get(0))).status());
      byte[] probe = read(identities.get(20).get(1));
      byte[] group = read(TestData.faces().resolve("groups/faceapi_bbt1.jpg"));
      IntFunction<IntFunction<Load.Op>> clients = c -> n -> switch (c % 4) {
        case 0 -> new Load.Op("identify", image(port, "/api/v1/identify", group));
        case 1 -> new Load.Op("detect", image(port, "/api/v1/detect", group));
        case 2 -> new Load.Op("enroll", image(port, "/api/v1/subjects/" + subject + "/faces", probe));
        default -> new Load.Op("subject", json(port, "/api/v1/subjects", "{\"name\":\"t-" + n + "\"}"));
      };
      long sigAt;
      long exitAt;
      // Clients go elsewhere once this node says so (503 NODE_UNAVAILABLE, or a refused connection), as behind a load
      // balancer. One that keeps opening connections to a node that told it to go away can still meet a reset while the
      // listener closes (the kernel resets what waits in its accept queue): TCP, not the service.
      try (Load load = new Load(8, clients, 0, Duration.ofSeconds(60),
          o -> "NODE_UNAVAILABLE".equals(o.code()) || "refused".equals(o.error()))) {
        Thread.sleep(6_000);
        sigAt = load.now();
        node.sigterm();
        assertTrue(node.awaitExit(Duration.ofSeconds(90)), "the node exits");
        exitAt = load.now();
        Thread.sleep(1_000);
        load.close();
        List<Load.Outcome> all = load.outcomes();
        String log = node.logOfThisRun();
        System.out.printf("SIGTERM: %d requests; before %s; from SIGTERM to exit (%d ms) %s; after %s%n", all.size(),
            load.counts(0, sigAt), exitAt - sigAt, load.counts(sigAt, exitAt), load.counts(exitAt, Long.MAX_VALUE));
        log.lines().filter(l -> l.contains("drain") || l.contains("shutdown:") || l.contains("snapshots saved"))
            .forEach(l -> System.out.println("  node: " + l));
        all.stream().filter(o -> !o.answered() && !"refused".equals(o.error())).forEach(o -> System.out.println("  unanswered: " + o
            + " at " + java.time.Instant.ofEpochMilli(load.startedAtEpochMs() + o.atMs())));
        for (Load.Outcome o : all) {
          assertTrue(o.answered() || "refused".equals(o.error()), "a request lost without an answer: " + o);
          assertTrue(o.status() < 500 || o.status() == 503, "server error: " + o);
          if (o.status() == 503) {
            assertTrue(o.retryAfter(), "503 without Retry-After: " + o);
          }
        }
        assertTrue(all.stream().anyMatch(o -> o.atMs() >= sigAt && o.status() == 503 && "NODE_UNAVAILABLE".equals(o.code()))
            || all.stream().noneMatch(o -> o.atMs() >= sigAt && o.answered()), "new requests while draining get 503 NODE_UNAVAILABLE");
        assertTrue(log.contains("index: snapshots saved"), "the index snapshot is saved on the way out");
        assertTrue(log.contains("drain: nothing in flight"), "every request in flight finished within the grace period");
      }
    }
  }

  @Test
  @Order(4)
  @DisplayName("a node started while the database is down waits, not ready, and becomes ready once it is up 10 s later")
  void startWithDatabaseDown() throws Exception {
    String schema = TestNode.schema("faults_start");
    Map<String, String> env = env("start", schema);
    env.put("DATABASE_STARTUP_WAIT_S", "120");
    stopPg();
    try (NodeProcess node = node("faults-start", env).start()) {
      Thread.sleep(10_000);
      assertTrue(node.alive(), "the node waits for its database instead of exiting:\n" + node.tail());
      // It listens meanwhile: alive, not ready, and any other request is told the node is starting.
      Http probe = new Http(node.port());
      assertEquals(200, probe.get("/api/v1/health").status(), "liveness while waiting");
      Http.Res ready = probe.get("/api/v1/health/ready");
      assertEquals(503, ready.status(), "not ready while the database is down: " + ready);
      assertNotNull(ready.header("Retry-After"));
      Http.Res other = probe.get("/api/v1/subjects");
      assertEquals(503, other.status(), other.toString());
      assertEquals("NODE_UNAVAILABLE", other.errorCode(), other.toString());
      assertTrue(other.body().contains("waiting for the database"), other.body());
      assertNotNull(other.header("Retry-After"));
      long t0 = System.nanoTime();
      startPg();
      node.awaitReady(Duration.ofSeconds(120));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String log = node.logOfThisRun();
      long attempts = log.lines().filter(l -> l.contains("cannot be reached")).count();
      System.out.printf("start with the database down: waited through %d failed attempts in 10 s, ready %d ms after the database came up%n",
          attempts, ms);
      assertTrue(attempts >= 2, "each attempt is logged");
      assertTrue(log.contains("database: reached"), "and the moment it is reached");
    } finally {
      if (pg == null) {
        startPg();
      }
    }
  }
}
