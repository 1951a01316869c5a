package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeHarness;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The browser console ({@code /console}) against a real node (faceplugin, the test PostgreSQL, fixture images):
 * its files over HTTP (no key, HEAD, its Content-Security-Policy, outside the anonymous budget), the WebSocket key
 * carried as a subprotocol, then Debian's chromium driven by playwright-core (src/test/node/console.mjs) through sign-in,
 * enrollment, identification, live detection from a video file and a camera, status and a wrong key. Screenshots:
 * target/console-screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
  static final Path SHOTS = Path.of("target/console-screenshots").toAbsolutePath();
  static final String COLLECTION = "console";
  static final String GROUP = "groups/faceapi_bbt4.jpg";
  static final int ANONYMOUS_BUDGET = 10;

  final String schema = TestNode.schema("consoleit");
  Service service;
  Http admin;
  String base;
  String consoleKey;
  Path dir;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("consoleit");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"), schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("WS_MAX_IN_FLIGHT", "1"); // the console sends up to 3: the server drops frames, the page counts them
    env.put("RATE_LIMIT_ANONYMOUS", String.valueOf(ANONYMOUS_BUDGET));
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
    base = "http://127.0.0.1:" + service.port();
    Http.Res key = admin.postJson("/api/v1/admin/keys", "{\"roles\":[\"admin\"],\"name\":\"console\"}");
    assertEquals(201, key.status(), key.toString());
    consoleKey = key.json().getString("key");
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        System.err.println("ConsoleIT: " + dir + " not removed: " + e);
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("the console's files load without a key, answer HEAD, carry a self-only CSP and stay outside the anonymous budget")
  void consoleFilesAreServedWithoutKey() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> redirect = client.send(HttpRequest.newBuilder(URI.create(base + "/console")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(302, redirect.statusCode());
    assertEquals("console/", redirect.headers().firstValue("Location").orElse(null));
    HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(base + "/console/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
    assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\">"), page.body());
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.startsWith("default-src 'self'; script-src 'self'; style-src 'self';"), csp);
    assertFalse(csp.contains("unsafe"), csp);
    assertTrue(csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(null));
    Map<String, String> types = Map.of("", "text/html", "app.js", "javascript", "api.js", "javascript", "draw.js", "javascript",
        "live.js", "javascript", "console.css", "text/css", "icon.svg", "image/svg+xml");
    for (Map.Entry<String, String> file : types.entrySet()) {
      HttpResponse<byte[]> head = client.send(HttpRequest.newBuilder(URI.create(base + "/console/" + file.getKey()))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, head.statusCode(), file.getKey());
      assertTrue(head.headers().firstValue("Content-Type").orElse("").contains(file.getValue()), file + ": " + head.headers());
      assertEquals(0, head.body().length, file.getKey());
      assertTrue(head.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'self'"), file.getKey());
    }
    HttpResponse<Void> headRedirect = client.send(HttpRequest.newBuilder(URI.create(base + "/console"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertEquals(302, headRedirect.statusCode());
    // Loading the page many times from one address: never the anonymous budget's 429 (an API call without a key gets it).
    for (int i = 0; i < 3 * ANONYMOUS_BUDGET; i++) {
      for (String file : List.of("", "app.js", "console.css")) {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/console/" + file)).build(),
            HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode(), "load " + i + " of /console/" + file);
      }
    }
    int anonymous = 0;
    for (int i = 0; i <= ANONYMOUS_BUDGET && anonymous != 429; i++) {
      anonymous = new Http(service.port()).get("/api/v1/subjects").status();
    }
    assertEquals(429, anonymous, "the anonymous budget still applies to the API");
    HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/console/nothing.js")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode());
  }

  @Test
  @Order(2)
  @DisplayName("a browser opens /ws/detect with its key as a subprotocol: the server selects facerec.detect; a wrong key gets 401")
  void webSocketTakesKeyAsSubprotocol() {
    HttpClient client = HttpClient.newHttpClient();
    URI uri = URI.create("ws://127.0.0.1:" + service.port() + "/ws/detect");
    WebSocket ws = client.newWebSocketBuilder().subprotocols("facerec.detect", keyProtocol(consoleKey))
        .buildAsync(uri, new WebSocket.Listener() { }).join();
    assertEquals("facerec.detect", ws.getSubprotocol());
    ws.abort();
    try {
      client.newWebSocketBuilder().subprotocols("facerec.detect", keyProtocol(ApiKeys.generate()))
          .buildAsync(uri, new WebSocket.Listener() { }).join();
      fail("a wrong key opened the WebSocket");
    } catch (CompletionException e) {
      assertTrue(e.getCause() instanceof WebSocketHandshakeException, e.toString());
      assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }
  }

  static String keyProtocol(String key) {
    return "facerec.key." + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Order(3)
  @DisplayName("in chromium the console signs in, enrolls two people, identifies one and a group, streams detection and refuses a wrong key")
  void browserDrivesTheConsole() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("chromium is needed for this test and is missing at " + CHROMIUM + ": install Debian's chromium (apt-get install"
          + " chromium; bash .ci/test does it as root) or set CHROMIUM to its path");
    }
    NodeHarness.install("playwright-core");
    Path faces = TestData.faces();
    Path camera = dir.resolve("camera.y4m");
    writeY4m(faces.resolve("face_recognition_examples/Barack_Obama/5.jpg"), camera, 640, 480, 15);
    Path report = dir.resolve("console-report.json");
    Files.createDirectories(SHOTS);
    try (var old = Files.list(SHOTS)) {
      for (Path f : old.toList()) {
        Files.delete(f); // this run's screenshots only
      }
    }

    long t0 = System.nanoTime();
    NodeHarness.Run run = node(Map.of(
        "CONSOLE_URL", base + "/console",
        "KEY", consoleKey,
        "WRONG_KEY", ApiKeys.generate(),
        "COLLECTION", COLLECTION,
        "OBAMA1", faces.resolve("face_recognition_examples/Barack_Obama/1.jpg").toString(),
        "OBAMA2", faces.resolve("face_recognition_examples/Barack_Obama/2.jpg").toString(),
        "BIDEN1", faces.resolve("face_recognition_examples/Joe_Biden/1.jpg").toString(),
        "GROUP", faces.resolve(GROUP).toString(),
        "CAMERA_Y4M", camera.toString(),
        "CHROMIUM", CHROMIUM.toString()), report);
    System.out.printf("ConsoleIT: the browser run took %.1f s; screenshots in %s%n", (System.nanoTime() - t0) / 1e9, SHOTS);
    assertTrue(Files.exists(report), "console.mjs wrote no report: " + run.output());
    JsonObject r = new JsonObject(Files.readString(report));
    assertNull(r.getString("failure"), "the browser run failed (see " + SHOTS + "/failure.png): " + run.output());
    assertEquals(0, run.exitCode(), run.output());
    assertEquals(new JsonArray(), r.getJsonArray("consoleErrors"), "the page logged errors (a CSP violation, a script error)");
    assertEquals(2, r.getJsonArray("failedLoads").size(), "only the refused enrollment and the wrong key: " + r.getJsonArray("failedLoads"));

    assertEquals(200, r.getJsonObject("load").getInteger("status"));
    assertTrue(r.getJsonObject("load").getString("url").endsWith("/console/"), r.encode());

    JsonObject signIn = r.getJsonObject("signIn");
    assertEquals(true, signIn.getBoolean("sessionKey"), "the key is kept in sessionStorage");
    assertEquals(0, signIn.getInteger("localStorage"), "nothing in localStorage");
    assertEquals("", signIn.getString("cookies"), "no cookie");
    assertEquals(COLLECTION, signIn.getString("collection"));
    assertEquals(true, signIn.getBoolean("keyFieldCleared"));
    assertEquals(false, signIn.getBoolean("signInFormShown"), "signed in: the sign-in form is hidden");
    assertEquals(true, signIn.getBoolean("sessionShown"));

    String obama = r.getString("enrollPicker");
    assertTrue(obama.contains("Barack Obama: accepted") && obama.contains("Quality: face"), obama);
    String biden = r.getString("enrollDrop");
    assertTrue(biden.contains("Joe Biden: accepted") && biden.contains("sharpness"), biden);
    JsonObject refused = r.getJsonObject("enrollRefused");
    assertEquals("refused", refused.getString("className"));
    assertEquals("MULTIPLE_FACES", refused.getString("code"), refused.encode());
    assertTrue(refused.getString("text").contains("HTTP 422"), refused.encode());

    // the gallery as the API sees it: the two people, the refused one's subject removed again
    JsonObject listed = admin.get("/api/v1/subjects?collection=" + COLLECTION).json();
    assertEquals(2, listed.getInteger("total"), listed.encode());
    JsonObject subjects = r.getJsonObject("subjects");
    assertEquals(new JsonArray().add("Barack Obama").add("Joe Biden"), sorted(subjects.getJsonArray("all")));
    assertEquals(new JsonArray().add("Joe Biden"), subjects.getJsonArray("searched"));
    assertEquals("1 of 2 subjects", subjects.getString("count"));

    JsonObject one = r.getJsonObject("identifyOne");
    assertEquals(1, one.getInteger("boxes"), one.encode());
    assertTrue(one.getJsonArray("labels").getString(0).startsWith("Barack Obama "), one.encode());
    assertEquals(1, one.getJsonArray("results").size());
    assertTrue(one.getJsonArray("results").getString(0).startsWith("Barack Obama: similarity"), one.encode());

    JsonObject apiGroup = admin.postFile("/api/v1/identify?collection=" + COLLECTION, TestData.read(GROUP)).json();
    int groupFaces = apiGroup.getJsonArray("faces").size();
    assertTrue(groupFaces >= 2, apiGroup.encode());
    JsonObject group = r.getJsonObject("identifyGroup");
    assertEquals(groupFaces, group.getInteger("boxes"), group.encode());
    assertEquals(groupFaces, group.getJsonArray("results").size(), group.encode());
    long unknownLabels = group.getJsonArray("labels").stream().filter(l -> ((String) l).startsWith("unknown")).count();
    long unknownApi = apiGroup.getJsonArray("faces").stream().filter(f -> "unknown".equals(((JsonObject) f).getString("decision"))).count();
    assertEquals(unknownApi, unknownLabels, group.encode());
    assertTrue(unknownLabels > 0, "strangers are drawn as unknown: " + group.encode());

    JsonObject video = r.getJsonObject("liveVideo");
    JsonObject counted = video.getJsonObject("page");
    JsonObject wire = video.getJsonObject("wire");
    assertTrue(video.getString("state").startsWith("Finished"), video.encode());
    assertTrue(counted.getInteger("answered") > 0 && counted.getInteger("faces-total") > 0, video.encode());
    assertEquals(1, video.getInteger("overlayBoxes"), "the last answer's face is drawn on the video: " + video.encode());
    assertEquals(wire.getInteger("dropped"), counted.getInteger("dropped"), "the page counts every frame the server dropped");
    assertEquals(wire.getInteger("replies"), counted.getInteger("answered") + counted.getInteger("dropped"), video.encode());
    assertEquals(wire.getInteger("faces"), counted.getInteger("faces-total"), video.encode());
    assertEquals(counted.getInteger("sent"), wire.getInteger("replies"), "every frame sent got its reply: " + video.encode());
    assertTrue(counted.getInteger("dropped") > 0, "3 frames in flight against WS_MAX_IN_FLIGHT=1 drop some: " + video.encode());
    assertTrue(video.getString("lastError").contains("WS_TOO_MANY_IN_FLIGHT"), video.encode());

    JsonObject cam = r.getJsonObject("liveCamera");
    assertTrue(cam.getJsonObject("page").getInteger("faces-total") > 0, cam.encode());
    assertEquals(1, cam.getInteger("overlayBoxes"), cam.encode());
    assertEquals("Stopped", cam.getString("state"), cam.encode());

    JsonObject status = r.getJsonObject("status");
    assertTrue(status.getString("index").contains(COLLECTION + "\t2") || status.getString("index").contains(COLLECTION + " 2"),
        "the index status lists the collection with its 2 faces: " + status.encode());
    assertTrue(status.getString("cluster").contains("1 member(s); replicas agree: true"), status.encode());

    assertEquals(true, r.getJsonObject("reload").getBoolean("signedIn"), "a reload keeps the tab's session");

    JsonObject wrong = r.getJsonObject("wrongKey");
    assertEquals(0, wrong.getInteger("sessionAfterSignOut"), "signing out forgets the key");
    assertTrue(wrong.getString("error").contains("UNAUTHENTICATED"), wrong.encode());
    assertEquals(true, wrong.getBoolean("mainHidden"), wrong.encode());
    assertEquals(true, wrong.getBoolean("signInFormShown"), wrong.encode());
    for (String shot : List.of("enroll", "identify-one", "identify-group", "live-video", "live-camera", "status", "wrong-key")) {
      assertTrue(Files.size(SHOTS.resolve(shot + ".png")) > 0, shot);
    }
  }

  static JsonArray sorted(JsonArray a) {
    return new JsonArray(a.stream().map(String.class::cast).sorted().toList());
  }

  /** Runs console.mjs with the environment {@code vars} plus REPORT and SHOTS, at most 5 minutes. */
  NodeHarness.Run node(Map<String, String> vars, Path report) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("node", NodeHarness.DIR.resolve("console.mjs").toString()).directory(dir.toFile())
        .redirectErrorStream(true);
    pb.environment().putAll(vars);
    pb.environment().put("REPORT", report.toString());
    pb.environment().put("SHOTS", SHOTS.toString());
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try {
        p.getInputStream().transferTo(out);
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      reader.join(5000);
      fail("console.mjs ran past 300 s: " + out);
    }
    reader.join(5000);
    return new NodeHarness.Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  /**
   * A YUV4MPEG2 file (4:2:0) of {@code frames} frames of an image scaled to {@code width}x{@code height}: chromium's fake
   * camera plays it in a loop.
   */
  static void writeY4m(Path image, Path target, int width, int height, int frames) throws IOException {
    BufferedImage src = ImageIO.read(image.toFile());
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, width, height, null);
    g.dispose();
    byte[] y = new byte[width * height];
    byte[] u = new byte[width * height / 4];
    byte[] v = new byte[width * height / 4];
    for (int j = 0; j < height; j++) {
      for (int i = 0; i < width; i++) {
        int rgb = img.getRGB(i, j);
        int r = (rgb >> 16) & 0xff;
        int gr = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        y[j * width + i] = (byte) clamp(0.299 * r + 0.587 * gr + 0.114 * b);
        if (j % 2 == 0 && i % 2 == 0) {
          int k = (j / 2) * (width / 2) + i / 2;
          u[k] = (byte) clamp(128 - 0.168736 * r - 0.331264 * gr + 0.5 * b);
          v[k] = (byte) clamp(128 + 0.5 * r - 0.418688 * gr - 0.081312 * b);
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(("YUV4MPEG2 W" + width + " H" + height + " F15:1 Ip A1:1 C420jpeg\n").getBytes(StandardCharsets.US_ASCII));
    for (int f = 0; f < frames; f++) {
      out.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
      out.write(y);
      out.write(u);
      out.write(v);
    }
    Files.write(target, out.toByteArray());
  }

  static int clamp(double d) {
    return (int) Math.max(0, Math.min(255, Math.round(d)));
  }
}
