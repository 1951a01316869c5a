package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.facerec.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files checked with the real tools: cluster/nginx.conf with {@code nginx -t} and running in front of
 * two test backends (standing for the api nodes), the compose files with {@code docker-compose config}. A missing
 * tool fails the test with an install hint; .ci/test installs them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeploymentFilesIT {
  private static final Path NGINX_CONF = Path.of("cluster/nginx.conf");
  private static final Path CLUSTER_COMPOSE = Path.of("cluster/docker-compose.yml");
  private static final Path TOP_COMPOSE = Path.of("docker-compose.yml");
  private static final int MIB = 1 << 20;

  private static Proxy proxy;
  private static AssertionError proxyFailed;

  /** nginx with the test's rewrites, in front of backends "A" (first upstream server) and "B" (second). */
  private record Proxy(Path dir, Process nginx, Vertx vertx, HttpServer b, int http, int https, HttpClient client,
      Map<String, AtomicInteger> hits) {
    URI uri(String path) {
      return URI.create("https://127.0.0.1:" + https + path);
    }

    int hits(String backend, String path) {
      return hits.computeIfAbsent(backend + " " + path, k -> new AtomicInteger()).get();
    }

    String errorLog() throws IOException {
      Path log = dir.resolve("logs/error.log");
      return Files.exists(log) ? Files.readString(log) : "";
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.nginx().destroy();
      proxy.nginx().waitFor(10, TimeUnit.SECONDS);
      proxy.nginx().destroyForcibly();
      proxy.vertx().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  @DisplayName("nginx -t accepts cluster/nginx.conf with only paths, ports and upstream addresses changed for the test")
  void nginxAcceptsTheConfiguration() throws Exception {
    requireTool("nginx", "apt-get install -y nginx");
    Path dir = Files.createTempDirectory("nginx-t");
    writeTestConfig(dir, freePort(), freePort(), List.of(freePort(), freePort()));
    Result r = run(dir, Map.of(), "nginx", "-t", "-p", dir.toString(), "-e", dir.resolve("logs/error.log").toString(),
        "-c", dir.resolve("nginx.conf").toString());
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("test is successful"), r.output());
  }

  @Test
  @Order(2)
  @DisplayName("nginx passes X-Forwarded-For (appending the peer), X-Forwarded-Proto and a valid X-Request-Id; hides its version")
  void forwardsClientAddressProtoAndRequestId() throws Exception {
    Proxy p = proxy();
    HttpResponse<String> res = p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/echo"))
        .header("X-Forwarded-For", "203.0.113.7").header("X-Request-Id", "req-1.A_b").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, res.statusCode(), res.body());
    JsonObject seen = new JsonObject(res.body());
    assertEquals("203.0.113.7, 127.0.0.1", seen.getString("x-forwarded-for"), "the client's value, then the peer nginx saw");
    assertEquals("https", seen.getString("x-forwarded-proto"));
    assertEquals("req-1.A_b", seen.getString("x-request-id"));
    assertEquals("nginx", res.headers().firstValue("Server").orElse(""), "server_tokens off: no version");
    assertTrue(res.headers().firstValue("Strict-Transport-Security").orElse("").startsWith("max-age="));

    JsonObject own = new JsonObject(p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/echo")).header("X-Request-Id", "not valid!")
        .build(), HttpResponse.BodyHandlers.ofString()).body());
    assertTrue(own.getString("x-request-id").matches("[0-9a-f]{32}"), "an id the service would refuse is replaced: " + own);
    assertEquals("127.0.0.1", own.getString("x-forwarded-for"));
  }

  @Test
  @Order(3)
  @DisplayName("client_max_body_size equals MAX_BODY_BYTES: 9 MiB and exactly the limit pass, one byte more and 11 MiB get 413 BODY_TOO_LARGE from nginx")
  void bodyLimitEqualsMaxBodyBytes() throws Exception {
    long limit = ConfigLoader.load(Map.of()).api().maxBodyBytes();
    assertEquals(limit, nginxBodyLimit(Files.readString(NGINX_CONF)), "client_max_body_size and MAX_BODY_BYTES must move together");
    Proxy p = proxy();
    assertEquals(9 * MIB, new JsonObject(post(p, "/api/v1/upload", 9 * MIB).body()).getInteger("bodyBytes"));
    assertEquals(limit, (long) new JsonObject(post(p, "/api/v1/upload", (int) limit).body()).getInteger("bodyBytes"));
    int passed = p.hits("A", "/api/v1/upload") + p.hits("B", "/api/v1/upload");
    assertEquals(413, post(p, "/api/v1/upload", (int) limit + 1).statusCode());
    HttpResponse<String> refused = post(p, "/api/v1/upload", 11 * MIB);
    assertEquals(413, refused.statusCode());
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertEquals("BODY_TOO_LARGE", error.getString("code"), "the node's code for the same body");
    assertTrue(error.getString("message").contains(" " + limit + " bytes"), "the message names the limit: " + error);
    assertEquals(refused.headers().firstValue("X-Request-Id").orElse(""), error.getString("requestId"));
    assertEquals("application/json", refused.headers().firstValue("Content-Type").orElse(""));
    assertTrue(refused.headers().firstValue("Strict-Transport-Security").isPresent());
    assertEquals(passed, p.hits("A", "/api/v1/upload") + p.hits("B", "/api/v1/upload"), "refused bodies never reach a node");
  }

  @Test
  @Order(4)
  @DisplayName("JSON and YAML answers are gzipped for clients that accept it, and only for them")
  void gzipsJsonAndYaml() throws Exception {
    Proxy p = proxy();
    for (String path : List.of("/api/v1/json", "/api/v1/openapi.yaml")) {
      HttpResponse<byte[]> plain = p.client().send(HttpRequest.newBuilder(p.uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, plain.statusCode());
      assertTrue(plain.headers().firstValue("Content-Encoding").isEmpty(), path);
      HttpResponse<byte[]> zipped = p.client().send(HttpRequest.newBuilder(p.uri(path)).header("Accept-Encoding", "gzip").build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").orElse(""), path);
      assertTrue(zipped.body().length < plain.body().length / 2, path + " is compressed");
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
        assertEquals(new String(plain.body(), StandardCharsets.UTF_8), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  @Order(5)
  @DisplayName("a WebSocket upgrade on /ws/detect reaches a node with Upgrade and X-Forwarded-For, and frames flow both ways")
  void upgradesWebSocket() throws Exception {
    Proxy p = proxy();
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = p.client().newWebSocketBuilder().header("X-Forwarded-For", "203.0.113.9")
        .buildAsync(URI.create("wss://127.0.0.1:" + p.https() + "/ws/detect"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            received.add(data.toString());
            socket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    JsonObject upgrade = new JsonObject(received.poll(10, TimeUnit.SECONDS));
    assertEquals("websocket", upgrade.getString("upgrade").toLowerCase());
    assertEquals("203.0.113.9, 127.0.0.1", upgrade.getString("x-forwarded-for"));
    ws.sendText("frame-1", true).get(5, TimeUnit.SECONDS);
    assertEquals("echo:frame-1", received.poll(10, TimeUnit.SECONDS));
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
  }

  @Test
  @Order(6)
  @DisplayName("plain HTTP is redirected to HTTPS; /metrics is not served to the outside; the access log is one JSON object per line")
  void redirectsHidesMetricsAndLogsJson() throws Exception {
    Proxy p = proxy();
    HttpResponse<String> redirect = p.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.http()
        + "/api/v1/subjects?limit=2")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(301, redirect.statusCode());
    assertEquals("https://127.0.0.1/api/v1/subjects?limit=2", redirect.headers().firstValue("Location").orElse(""));
    assertEquals(0, p.hits("A", "/api/v1/subjects") + p.hits("B", "/api/v1/subjects"));

    assertEquals(404, p.client().send(HttpRequest.newBuilder(p.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(0, p.hits("A", "/metrics") + p.hits("B", "/metrics"));

    p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/echo?q=%22quoted%22")).header("X-Request-Id", "log-line-1")
        .header("User-Agent", "agent \"with quotes\"").build(), HttpResponse.BodyHandlers.ofString());
    JsonObject line = null;
    for (String l : Files.readAllLines(p.dir().resolve("logs/access.log"))) {
      JsonObject entry = new JsonObject(l);
      if ("log-line-1".equals(entry.getString("request_id"))) {
        line = entry;
      }
    }
    assertTrue(line != null, "the request is in the access log");
    assertEquals(200, line.getInteger("status"));
    assertEquals("127.0.0.1", line.getString("remote_addr"));
    assertEquals("agent \"with quotes\"", line.getString("user_agent"));
    assertFalse(line.getString("upstream_addr").isEmpty());
  }

  @Test
  @Order(7)
  @DisplayName("a GET answered 503 is retried on the other node, a POST that reached a node is not; a refused connection moves any request on")
  void retriesOnlyWhatIsSafe() throws Exception {
    Proxy p = proxy();
    int gets = 0;
    while (p.hits("B", "/api/v1/flaky") == 0 && gets < 6) {
      HttpResponse<String> r = p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/flaky")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "B's 503 is retried on A");
      gets++;
    }
    assertEquals(1, p.hits("B", "/api/v1/flaky"), "B was tried");
    assertEquals(gets, p.hits("A", "/api/v1/flaky"), "every GET was answered by A, the one B refused included");

    List<Integer> statuses = new ArrayList<>();
    while (p.hits("B", "/api/v1/flaky-post") == 0 && statuses.size() < 6) {
      statuses.add(p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/flaky-post")).POST(HttpRequest.BodyPublishers.ofString("{}"))
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }
    assertEquals(1, p.hits("B", "/api/v1/flaky-post"));
    assertTrue(statuses.contains(503), "B's 503 to a POST reaches the client: " + statuses);
    assertEquals(statuses.size(), p.hits("A", "/api/v1/flaky-post") + 1, "no POST was sent twice");

    p.b().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = p.client().send(HttpRequest.newBuilder(p.uri("/api/v1/upload")).POST(HttpRequest.BodyPublishers.ofString("x"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "a POST that never reached the stopped node goes to the other");
    }
    assertTrue(p.errorLog().contains("connect() failed (111"), "B was tried and refused:\n" + p.errorLog());
  }

  @Test
  @Order(8)
  @DisplayName("cluster/docker-compose.yml passes docker-compose config and agrees with nginx.conf and the roles")
  void clusterComposeFileIsValid() throws Exception {
    requireTool("docker-compose", "apt-get install -y docker-compose");
    Result check = compose(CLUSTER_COMPOSE, Map.of(), "config", "-q");
    assertEquals(0, check.exit(), check.output());
    Result resolved = compose(CLUSTER_COMPOSE, Map.of(), "config");
    assertEquals(0, resolved.exit(), resolved.output());
    Map<String, Object> services = map(yaml(resolved.output()).get("services"));
    assertEquals(List.of("facerec-node1", "facerec-node2", "facerec-node3", "nginx", "postgres"),
        services.keySet().stream().sorted().toList());

    Map<String, String> roles = new LinkedHashMap<>();
    List<String> apiNodes = new ArrayList<>();
    for (String node : List.of("facerec-node1", "facerec-node2", "facerec-node3")) {
      Map<String, Object> s = map(services.get(node));
      Map<String, Object> env = map(s.get("environment"));
      roles.put(node, String.valueOf(env.get("NODE_ROLES")));
      if (roles.get(node).contains("api")) {
        apiNodes.add(node + ":" + env.get("API_PORT"));
      }
      assertEquals("true", String.valueOf(env.get("CLUSTER_ENABLED")), node);
      assertEquals("facerec-node1:5701,facerec-node2:5701,facerec-node3:5701", env.get("CLUSTER_MEMBERS"), node);
      assertEquals(node, env.get("CLUSTER_HOST"), node);
      assertEquals(node, env.get("CLUSTER_PUBLIC_HOST"), node);
      assertEquals(node, env.get("NODE_NAME"), node);
      assertNull(env.get("DATABASE_URL"), "the URL carries the password: only DATABASE_URL_FILE");
      assertEquals("/run/secrets/database_url", env.get("DATABASE_URL_FILE"), node);
      assertEquals("/run/secrets/facerec_admin_key", env.get("ADMIN_API_KEY_FILE"), node);
      assertEquals(String.valueOf(nginxBodyLimit(Files.readString(NGINX_CONF))), String.valueOf(env.get("MAX_BODY_BYTES")), node);
      assertEquals(ipv4(services.get("nginx")), env.get("TRUSTED_PROXIES"), node + " trusts exactly the nginx container");
      assertTrue(String.valueOf(map(s.get("healthcheck")).get("test")).contains("/api/v1/health/ready"), node);
      assertNull(s.get("ports"), node + " publishes no port");
      assertTrue(String.valueOf(s.get("volumes")).contains(":/app/models:ro"), node + " mounts the models read-only");
    }
    assertEquals(Map.of("facerec-node1", "api,inference", "facerec-node2", "inference,index", "facerec-node3", "api,inference,index"), roles);
    assertNull(map(services.get("postgres")).get("ports"), "postgres publishes no port");

    Map<String, Object> nginx = map(services.get("nginx"));
    assertEquals(List.of(80, 443), ((List<?>) nginx.get("ports")).stream().map(DeploymentFilesIT::publishedPort).sorted().toList());
    assertEquals(apiNodes.stream().map(n -> n.substring(0, n.indexOf(':'))).sorted().toList(),
        map(nginx.get("depends_on")).keySet().stream().sorted().toList(), "nginx depends on every api node");
    assertEquals(apiNodes, upstreamServers(Files.readString(NGINX_CONF)), "nginx's upstream lists exactly the api nodes");
    String mounts = String.valueOf(nginx.get("volumes"));
    assertTrue(mounts.contains(":/etc/nginx/nginx.conf:ro") && mounts.contains(":/etc/nginx/certs:ro"), mounts);
  }

  @Test
  @Order(9)
  @DisplayName("the top-level docker-compose.yml passes docker-compose config and is hardened: read-only, no capabilities, secrets as files, loopback port, grace beyond the drain")
  void topLevelComposeFileIsValid() throws Exception {
    requireTool("docker-compose", "apt-get install -y docker-compose");
    Result resolved = compose(TOP_COMPOSE, Map.of(), "config");
    assertEquals(0, resolved.exit(), resolved.output());
    Map<String, Object> services = map(yaml(resolved.output()).get("services"));
    for (String name : List.of("facerec", "postgres")) {
      Map<String, Object> s = map(services.get(name));
      assertEquals(true, s.get("read_only"), name + ": read-only root filesystem");
      assertEquals(List.of("ALL"), s.get("cap_drop"), name);
      assertTrue(String.valueOf(s.get("security_opt")).contains("no-new-privileges:true"), name);
      Map<String, Object> env = map(s.get("environment"));
      for (Map.Entry<String, Object> e : env.entrySet()) {
        assertFalse(e.getKey().matches(".*(PASSWORD|DATABASE_URL|API_KEY)") , name + ": a secret inline in the environment: " + e.getKey());
      }
    }
    Map<String, Object> facerec = map(services.get("facerec"));
    Map<String, Object> env = map(facerec.get("environment"));
    assertEquals("/run/secrets/database_url", env.get("DATABASE_URL_FILE"));
    assertEquals("/run/secrets/facerec_admin_key", env.get("ADMIN_API_KEY_FILE"));
    assertEquals("/run/secrets/postgres_password", map(map(services.get("postgres")).get("environment")).get("POSTGRES_PASSWORD_FILE"));
    assertEquals(List.of("127.0.0.1:8000:8000/tcp"), facerec.get("ports"), "the port is bound to loopback");
    assertNull(map(services.get("postgres")).get("ports"), "postgres publishes no port");
    assertTrue(String.valueOf(facerec.get("volumes")).contains(":/app/data:rw") || String.valueOf(facerec.get("volumes")).contains("target: /app/data"),
        "DATA_DIR is the writable mount: " + facerec.get("volumes"));
    assertTrue(String.valueOf(facerec.get("tmpfs")).contains("/tmp"), "native libraries unpack to /tmp");
    String grace = String.valueOf(facerec.get("stop_grace_period"));
    assertTrue(grace.matches("\\d+s") && Integer.parseInt(grace.replace("s", "")) > 30, "stop_grace_period beyond the 30 s drain: " + grace);
    assertTrue(String.valueOf(map(facerec.get("healthcheck")).get("test")).contains("dev.facerec.app.HealthCheck"), "readiness check");
  }

  // --- nginx set-up ---

  /** Starts once: two backends, then nginx with the test's rewrites in front of them. */
  private static synchronized Proxy proxy() throws Exception {
    if (proxy != null) {
      return proxy;
    }
    if (proxyFailed != null) {
      throw proxyFailed;
    }
    requireTool("nginx", "apt-get install -y nginx");
    Path dir = Files.createTempDirectory("nginx-it");
    Vertx vertx = Vertx.vertx();
    Map<String, AtomicInteger> hits = new HashMap<>();
    HttpServer a = backend(vertx, "A", hits);
    HttpServer b = backend(vertx, "B", hits);
    int http = freePort();
    int https = freePort();
    writeTestConfig(dir, http, https, List.of(a.actualPort(), b.actualPort()));
    Process nginx = new ProcessBuilder("nginx", "-p", dir.toString(), "-e", dir.resolve("logs/error.log").toString(), "-c",
        dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/nginx.out").toFile()).start();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(dir.resolve("certs/cert.pem")))
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    proxy = new Proxy(dir, nginx, vertx, b, http, https, client, hits);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!listening(https)) {
      if (!nginx.isAlive() || System.nanoTime() > deadline) {
        proxyFailed = new AssertionError("nginx did not start:\n" + Files.readString(dir.resolve("logs/nginx.out")) + proxy.errorLog());
        throw proxyFailed;
      }
      Thread.sleep(50);
    }
    return proxy;
  }

  /**
   * cluster/nginx.conf with only what a test must change: the worker user, pid, log and certificate paths, temp
   * directories, listen ports on 127.0.0.1, and each upstream server replaced by a local backend port.
   */
  private static void writeTestConfig(Path dir, int http, int https, List<Integer> backends) throws Exception {
    for (String sub : List.of("logs", "certs", "temp")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Result cert = run(dir, Map.of(), requireTool("openssl", "apt-get install -y openssl"), "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", "certs/key.pem", "-out", "certs/cert.pem");
    assertEquals(0, cert.exit(), cert.output());

    String conf = Files.readString(NGINX_CONF);
    // Root (CI) has no "nginx" user; anyone else cannot switch users at all.
    conf = replace(conf, "user nginx;", "root".equals(System.getProperty("user.name")) ? "user root;" : "");
    conf = replace(conf, "/var/run/nginx.pid", dir.resolve("nginx.pid").toString());
    conf = replace(conf, "/var/log/nginx/", dir.resolve("logs") + "/");
    conf = replace(conf, "/etc/nginx/certs/", dir.resolve("certs") + "/");
    conf = replace(conf, "listen 80 ", "listen 127.0.0.1:" + http + " ");
    conf = replace(conf, "listen 443 ", "listen 127.0.0.1:" + https + " ");
    StringBuilder temp = new StringBuilder("http {\n");
    for (String t : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      temp.append("  ").append(t).append("_temp_path ").append(dir.resolve("temp/" + t)).append(";\n");
    }
    conf = replace(conf, "http {\n", temp.toString());
    List<String> servers = upstreamServers(conf);
    assertEquals(backends.size(), servers.size(), "one test backend per upstream server: " + servers);
    for (int i = 0; i < servers.size(); i++) {
      conf = replace(conf, "server " + servers.get(i) + " ", "server 127.0.0.1:" + backends.get(i) + " ");
    }
    Files.writeString(dir.resolve("nginx.conf"), conf);
  }

  /**
   * A stand-in api node: answers what it saw as JSON, with {@code X-Backend} naming it; B answers 503 on the
   * flaky paths; {@code /ws/detect} reports the upgrade's headers, then echoes frames.
   */
  private static HttpServer backend(Vertx vertx, String name, Map<String, AtomicInteger> hits) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      synchronized (hits) {
        hits.computeIfAbsent(name + " " + req.path(), k -> new AtomicInteger()).incrementAndGet();
      }
      if ("/ws/detect".equals(req.path())) {
        JsonObject seen = seen(req);
        req.toWebSocket().onSuccess(ws -> {
          ws.writeTextMessage(seen.encode());
          ws.textMessageHandler(t -> ws.writeTextMessage("echo:" + t));
        });
        return;
      }
      req.body().onSuccess(body -> {
        var res = req.response().putHeader("X-Backend", name);
        switch (req.path()) {
          case "/api/v1/json" -> res.putHeader("Content-Type", "application/json").end(repeated("{\"faces\":[%d,0.5]}", ","));
          case "/api/v1/openapi.yaml" -> res.putHeader("Content-Type", "application/yaml").end(repeated("path%d: {get: {}}", "\n"));
          case "/api/v1/flaky", "/api/v1/flaky-post" -> res.setStatusCode("B".equals(name) ? 503 : 200).end("{}");
          default -> res.putHeader("Content-Type", "application/json").end(seen(req).put("bodyBytes", body.length()).encode());
        }
      });
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static JsonObject seen(HttpServerRequest req) {
    JsonObject o = new JsonObject();
    for (String h : List.of("x-forwarded-for", "x-forwarded-proto", "x-request-id", "upgrade")) {
      o.put(h, req.getHeader(h));
    }
    return o;
  }

  private static String repeated(String format, String separator) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      sb.append(i == 0 ? "" : separator).append(String.format(format, i));
    }
    return format.startsWith("{") ? "[" + sb + "]" : sb.toString();
  }

  private static HttpResponse<String> post(Proxy p, String path, int bytes) throws Exception {
    return p.client().send(HttpRequest.newBuilder(p.uri(path)).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The {@code client_max_body_size} of the HTTPS server in bytes. */
  private static long nginxBodyLimit(String conf) {
    Matcher m = Pattern.compile("client_max_body_size\\s+(\\d+)([kKmM]?);").matcher(conf);
    assertTrue(m.find(), "client_max_body_size is set");
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase()) {
      case "k" -> n << 10;
      case "m" -> n << 20;
      default -> n;
    };
  }

  /** host:port of each server of {@code upstream facerec_api}, in order. */
  private static List<String> upstreamServers(String conf) {
    Matcher block = Pattern.compile("upstream facerec_api \\{(.*?)\\}", Pattern.DOTALL).matcher(conf);
    assertTrue(block.find(), "upstream facerec_api is defined");
    List<String> out = new ArrayList<>();
    Matcher server = Pattern.compile("(?m)^\\s*server\\s+(\\S+:\\d+)\\s").matcher(block.group(1));
    while (server.find()) {
      out.add(server.group(1));
    }
    return out;
  }

  private static SSLContext trusting(Path certPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certPem)) {
      trust.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  // --- compose ---

  /** docker-compose with no .env file of the developer's, and only the given variables added. */
  private static Result compose(Path file, Map<String, String> env, String... args) throws Exception {
    Path noEnv = Files.createTempFile("compose", ".env");
    List<String> cmd = new ArrayList<>(List.of("docker-compose", "--env-file", noEnv.toString(), "-f", file.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    return run(Path.of("."), env, cmd.toArray(String[]::new));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String text) {
    return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "expected a mapping: " + o);
    return (Map<String, Object>) o;
  }

  private static Object ipv4(Object service) {
    return map(map(map(service).get("networks")).get("facerec")).get("ipv4_address");
  }

  /** "443:443" or {published: 443, target: 443}. */
  private static int publishedPort(Object port) {
    if (port instanceof Map<?, ?> m) {
      return Integer.parseInt(String.valueOf(m.get("published")));
    }
    String s = String.valueOf(port);
    return Integer.parseInt(s.substring(s.lastIndexOf(':', s.lastIndexOf(':') - 1) + 1, s.lastIndexOf(':')));
  }

  // --- processes ---

  private record Result(int exit, String output) {}

  private static Result run(Path dir, Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("POSTGRES_PASSWORD");
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return e.toString();
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " did not finish in 60 s");
    }
    return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS));
  }

  /** The tool's path; fails (never skips) when it is missing, saying how to install it. */
  private static String requireTool(String name, String install) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return fail(name + " is not on the PATH: install it (" + install + "); .ci/test installs it");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String replace(String text, String from, String to) {
    assertTrue(text.contains(from), "cluster/nginx.conf no longer contains '" + from + "': update DeploymentFilesIT");
    return text.replace(from, to);
  }
}
