package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Overload, a database that goes away, and the detection WebSocket, all provoked for real. */
class ResilienceIT {

  private static final String ADMIN_KEY = ApiKeys.generate();

  private static Map<String, String> env(Path models, Path data, String dbUrl) {
    Map<String, String> env = TestNode.env("faceplugin", models, data, "unused", ADMIN_KEY);
    env.put("DATABASE_URL", dbUrl);
    env.put("INFERENCE_QUEUE_SIZE", "1");
    env.put("WS_MAX_IN_FLIGHT", "1");
    return env;
  }

  @Test
  @DisplayName("a full inference queue answers 503 OVERLOADED at once; with the database stopped reads go on from memory, writes get 503 DATABASE_UNAVAILABLE, and recover")
  void overloadAndDatabaseDown() throws Exception {
    Path models = TestData.modelsDir("faceplugin");
    Path data = Files.createTempDirectory("resilience");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data.resolve("external-pg")).setCleanDataDirectory(false).start()) {
      String url = "postgres://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
      try (Service service = Service.start(ConfigLoader.load(env(models, data.resolve("node"), url)))) {
        Http http = new Http(service.port(), ADMIN_KEY);
        byte[] image = Files.readAllBytes(TestData.faces().resolve("groups/faceonnx_selfie2.jpg"));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<Http.Res>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          all.add(pool.submit(() -> http.postRaw("/api/v1/detect", "image/jpeg", image)));
        }
        int ok = 0;
        int overloaded = 0;
        for (Future<Http.Res> f : all) {
          Http.Res r = f.get(120, TimeUnit.SECONDS);
          if (r.status() == 200) {
            ok++;
          } else {
            assertEquals(503, r.status(), r.toString());
            assertEquals("OVERLOADED", r.errorCode());
            overloaded++;
          }
        }
        pool.shutdown();
        System.out.printf("overload: %d answered, %d refused with OVERLOADED%n", ok, overloaded);
        assertTrue(ok >= 1 && overloaded >= 1, ok + " ok, " + overloaded + " overloaded");

        Http.Res subject = http.postJson("/api/v1/subjects", "{\"name\":\"before\"}");
        assertEquals(201, subject.status());
        String id = subject.json().getString("id");
        byte[] face = Files.readAllBytes(TestData.people(2).get(3).get(0));
        assertEquals(201, http.postFile("/api/v1/subjects/" + id + "/faces", face).status());
        int port = pg.getPort();
        pg.close();

        // Reads go on from memory: the key as last verified, the index, the subject names; writes are refused.
        Http.Res down = http.postJson("/api/v1/subjects", "{\"name\":\"after\"}");
        assertEquals(503, down.status(), down.toString());
        assertEquals("DATABASE_UNAVAILABLE", down.errorCode());
        assertNotNull(down.header("Retry-After"));
        Http.Res identified = http.postFile("/api/v1/identify", face);
        assertEquals(200, identified.status(), identified.toString());
        JsonObject match = identified.json().getJsonArray("faces").getJsonObject(0);
        assertEquals("match", match.getString("decision"), match.encode());
        assertEquals("before", match.getJsonObject("subject").getString("name"));
        assertEquals(200, http.postRaw("/api/v1/detect", "image/jpeg", face).status());
        Http.Res health = http.get("/api/v1/health/details");
        assertEquals(503, health.status(), health.toString());
        assertTrue(health.body().contains("database"));
        assertEquals(200, http.anonymous().get("/api/v1/health/ready").status(), "a node without its database still serves reads");

        // The same server comes back on the same port: writes recover without a restart of the node.
        try (EmbeddedPostgres again = EmbeddedPostgres.builder().setDataDirectory(data.resolve("external-pg"))
            .setCleanDataDirectory(false).setPort(port).start()) {
          long until = System.currentTimeMillis() + 30_000;
          int status = 0;
          while (System.currentTimeMillis() < until && status != 201) {
            status = http.postJson("/api/v1/subjects", "{\"name\":\"after\"}").status();
            Thread.sleep(200);
          }
          assertEquals(201, status, "writes recover once the database is back");
        }
      }
    }
  }

  @Test
  @DisplayName("the WebSocket answers every frame in order and drops frames beyond the in-flight limit")
  void webSocketStreamsDetections() throws Exception {
    Path models = TestData.modelsDir("faceplugin");
    Path data = Files.createTempDirectory("ws");
    String schema = "wsit_" + Long.toHexString(System.nanoTime());
    Map<String, String> env = env(models, data, dev.facerec.testing.TestDatabase.url(schema));
    env.put("INFERENCE_QUEUE_SIZE", "8");
    Vertx client = Vertx.vertx();
    try (Service service = Service.start(ConfigLoader.load(env))) {
      byte[] frame = Files.readAllBytes(TestData.faces().resolve("groups/faceapi_bbt1.jpg"));
      List<JsonObject> replies = new CopyOnWriteArrayList<>();
      // Kept referenced until the end: an unreferenced WebSocketClient is closed by its cleaner, handshake and all.
      io.vertx.core.http.WebSocketClient wsClient = client.createWebSocketClient();
      WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(service.port())
              .setHost("127.0.0.1").setURI("/ws/detect").addHeader("X-API-Key", ADMIN_KEY))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      ws.textMessageHandler(t -> replies.add(new JsonObject(t)));
      int frames = 10;
      for (int i = 0; i < frames; i++) {
        ws.writeBinaryMessage(Buffer.buffer(frame));
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (replies.size() < frames && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(frames, replies.size(), "one reply per frame");
      long dropped = replies.stream().filter(r -> r.getBoolean("dropped")).count();
      JsonObject answered = replies.stream().filter(r -> !r.getBoolean("dropped")).findFirst().orElseThrow();
      assertEquals(4, answered.getJsonArray("faces").size(), "bbt1 has 4 faces: " + answered);
      assertTrue(dropped >= 1, "frames beyond the in-flight limit are dropped");
      List<Long> seqs = replies.stream().map(r -> r.getLong("seq")).sorted().toList();
      assertEquals(1L, seqs.get(0));
      assertEquals((long) frames, seqs.get(frames - 1));
      System.out.printf("websocket: %d frames, %d dropped, %d answered%n", frames, dropped, frames - dropped);
      ws.close();
      wsClient.close();
    } finally {
      client.close();
      try (var c = dev.facerec.testing.TestDatabase.connect()) {
        c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }
}
