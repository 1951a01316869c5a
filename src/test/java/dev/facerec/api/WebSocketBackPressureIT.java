package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.RawWebSocket;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Clients that send frames and never read the replies cannot grow the server's memory: the server stops reading them. */
class WebSocketBackPressureIT {
  private static final String KEY = ApiKeys.generate();
  private static final int SOCKETS = 4; // WS_MAX_CONNECTIONS_PER_KEY: what one key may hold
  private static final long SECONDS = 30;

  @Test
  @DisplayName("4 WebSockets that never read, for 30 s: the sockets stop being read and the heap retained grows by less than 32 MiB")
  void nonReadingClientsAreNotRead() throws Exception {
    String schema = TestNode.schema("wsbp");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
        Files.createTempDirectory("wsbp"), schema, KEY);
    int port = NodeProcess.freePort();
    env.put("API_PORT", String.valueOf(port));
    env.put("RATE_LIMIT_ADMIN", "1000000");
    try (NodeProcess node = new NodeProcess("ws-backpressure", env, port).start()) {
      node.awaitReady(Duration.ofSeconds(120));
      List<RawWebSocket> sockets = new ArrayList<>();
      for (int i = 0; i < SOCKETS; i++) {
        sockets.add(RawWebSocket.open(port, "/ws/detect", KEY));
      }
      Thread.sleep(2000);
      long heap0 = node.heapUsedAfterGcKb();
      long rss0 = node.rssKb();
      AtomicLong frames = new AtomicLong();
      long until = System.currentTimeMillis() + SECONDS * 1000;
      List<Thread> writers = new ArrayList<>();
      for (RawWebSocket ws : sockets) {
        Thread t = new Thread(() -> {
          byte[] frame = new byte[1024]; // not an image: each gets a short error reply, most are dropped as over WS_MAX_IN_FLIGHT
          new Random(3).nextBytes(frame);
          try {
            while (System.currentTimeMillis() < until) {
              ws.sendBinary(frame); // blocks once the server stops reading this socket
              frames.incrementAndGet();
            }
          } catch (java.io.IOException closedAtTheEnd) {
            // the socket is reset below while this writer is blocked
          }
        });
        t.setDaemon(true);
        t.start();
        writers.add(t);
      }
      long maxRss = rss0;
      long lastTen = 0;
      while (System.currentTimeMillis() < until) {
        Thread.sleep(1000);
        maxRss = Math.max(maxRss, node.rssKb());
        if (until - System.currentTimeMillis() < 10_000 && lastTen == 0) {
          lastTen = frames.get();
        }
      }
      long sent = frames.get();
      long inLastTen = sent - lastTen;
      long heap = node.heapUsedAfterGcKb(); // the sockets are still open, their queues full
      for (RawWebSocket ws : sockets) {
        ws.close();
      }
      for (Thread t : writers) {
        t.join(5000);
      }
      System.out.printf("non-reading WebSockets: %d sockets, %d s, %d frames of 1 KiB taken, %d of them in the last 10 s;"
          + " heap after GC %d -> %d MiB; RSS %d -> max %d MiB%n", SOCKETS, SECONDS, sent, inLastTen, heap0 / 1024, heap / 1024,
          rss0 / 1024, maxRss / 1024);
      // Once the replies fill the kernel's socket buffers and the write queue, each socket is paused: the
      // clients' frames then wait in their own buffers. Without back-pressure frames keep coming at thousands a second.
      assertTrue(inLastTen < 500, inLastTen + " frames taken in the last 10 s from clients that read nothing");
      assertTrue(heap - heap0 < 32 * 1024, "heap retained grew by " + (heap - heap0) / 1024 + " MiB");
      Http http = new Http(port, KEY);
      assertEquals(200, http.get("/api/v1/health/ready").status(), "the node serves on");
    } finally {
      TestNode.dropSchema(schema);
    }
  }
}
