package dev.facerec.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ClientAddress;
import dev.facerec.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A body answered before it was read must not cost the client its answer. The JDK's client finishes sending
 * before it reads; when the server closed while bytes were still arriving, the socket was reset and the 413
 * lost ("header parser received no bytes", 1 in 30 uploads over the limit in ApiTestBase's check).
 */
class UnreadBodyTest {
  private static final int LIMIT = 256 << 10;
  private final Vertx vertx = Vertx.vertx();
  private int port;

  @BeforeEach
  void serve() throws Exception {
    AppConfig config = ConfigLoader.load(Map.of("RATE_LIMIT_ANONYMOUS", "1000000"));
    Guards guards = new Guards(new Security(vertx, config, null), false, ClientAddress.trusting(config.api().trustedProxies()),
        new dev.facerec.cluster.NodeState(), 30_000);
    Router router = Router.router(vertx);
    router.route().handler(guards::everyRequest);
    router.post("/upload").handler(ctx -> ImageUpload.read(ctx, LIMIT, "file")
        .onSuccess(files -> ctx.response().end(String.valueOf(files.get("file").length)))
        .onFailure(t -> Errors.fail(ctx, t)));
    // refused before a byte of the body is read, as an unknown subject or a refused credential is
    router.post("/refused").handler(ctx -> Errors.send(ctx, dev.facerec.bus.Failure.SUBJECT_NOT_FOUND, "no such subject"));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> post(HttpClient client, String path, HttpRequest.BodyPublisher body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Content-Type", "image/jpeg")
        .timeout(Duration.ofSeconds(30)).POST(body).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String code(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  @Test
  @DisplayName("200 uploads of 8x the limit, declared or chunked, each get their 413 BODY_TOO_LARGE; the connection then serves the next request")
  void everyOversizedUploadIsAnswered() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    byte[] big = new byte[8 * LIMIT];
    for (int i = 0; i < 200; i++) {
      HttpRequest.BodyPublisher body = i % 2 == 0 ? HttpRequest.BodyPublishers.ofByteArray(big)
          : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)); // no Content-Length: chunked
      HttpResponse<String> r = post(client, "/upload", body);
      assertEquals(413, r.statusCode(), "upload " + i + ": " + r.body());
      assertEquals("BODY_TOO_LARGE", code(r));
      assertEquals("close", r.headers().firstValue("Connection").orElse(""), "the client is told not to reuse the connection");
    }
    HttpResponse<String> ok = post(client, "/upload", HttpRequest.BodyPublishers.ofByteArray(new byte[LIMIT]));
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(String.valueOf(LIMIT), ok.body(), "an upload at the limit is read whole");
  }

  @Test
  @DisplayName("a body refused before it is read: 200 requests all answered with their own code")
  void bodyRefusedBeforeReadingIsAnswered() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    byte[] body = new byte[4 * LIMIT];
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = post(client, "/refused", HttpRequest.BodyPublishers.ofByteArray(body));
      assertEquals(404, r.statusCode(), "request " + i);
      assertEquals("SUBJECT_NOT_FOUND", code(r));
    }
  }

  @Test
  @DisplayName("a client that never stops sending is cut off after UnreadBody.LIMIT_BYTES, its 413 already delivered")
  void endlessBodyIsCutOff() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: " + (4L << 30) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8); // up to the server's close
        } catch (java.io.IOException e) {
          return "read failed: " + e;
        }
      });
      byte[] chunk = new byte[1 << 20];
      long sent = 0;
      try {
        while (sent < (1L << 30)) {
          out.write(chunk);
          sent += chunk.length;
        }
      } catch (java.io.IOException closed) {
        // the server gave up on the body
      }
      String response = answer.get(30, TimeUnit.SECONDS);
      assertTrue(response.startsWith("HTTP/1.1 413"), response);
      assertTrue(response.contains("BODY_TOO_LARGE"), response);
      assertTrue(sent < (1L << 30), "the server closed the connection before the client sent 1 GiB: " + (sent >> 20) + " MiB sent");
      assertTrue(sent >= UnreadBody.LIMIT_BYTES - chunk.length, "it dropped up to its limit first: " + (sent >> 20) + " MiB sent");
    }
  }
}
