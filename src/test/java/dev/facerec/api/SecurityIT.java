package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
 * The security model against a real node (faceplugin, the test PostgreSQL in a fresh
 * schema): the authorization matrix of every operation of the OpenAPI document, WebSocket credentials and
 * revocation, JWT validation, rate limits, failed-auth back-off and hard input limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final String ISSUER = "https://idp.test";
  static final String AUDIENCE = "facerec";
  static final int DETECT_LIMIT = 8;
  static final int FREE_FAILURES = 60;

  final String schema = "secit_" + Long.toHexString(System.nanoTime());
  Service service;
  Http admin;
  Vertx client;
  io.vertx.core.http.WebSocketClient wsClient;
  KeyPair ec;
  KeyPair rsa;
  Path ecPublic;
  byte[] face;
  /** Subjects of collection "other", made by the admin. */
  String otherSubject;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("secit");
    KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
    ecGen.initialize(new ECGenParameterSpec("secp256r1"));
    ec = ecGen.generateKeyPair();
    KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
    rsaGen.initialize(2048);
    rsa = rsaGen.generateKeyPair();
    ecPublic = Files.writeString(dir.resolve("ec.pem"), pem("PUBLIC KEY", ec.getPublic().getEncoded()));
    Path rsaPublic = Files.writeString(dir.resolve("rsa.pem"), pem("PUBLIC KEY", rsa.getPublic().getEncoded()));

    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"),
        schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("MAX_BODY_BYTES", String.valueOf(3 << 20));
    env.put("JWT_PUBLIC_KEY_FILES", ecPublic + "," + rsaPublic);
    env.put("JWT_ISSUER", ISSUER);
    env.put("JWT_AUDIENCE", AUDIENCE);
    env.put("RATE_LIMIT_DETECT", String.valueOf(DETECT_LIMIT));
    env.put("RATE_LIMIT_ANONYMOUS", "1000");
    env.put("AUTH_FAILURES_BEFORE_BACKOFF", String.valueOf(FREE_FAILURES));
    env.put("WS_MAX_CONNECTIONS_PER_KEY", "2");
    env.put("WS_MAX_FRAME_BYTES", String.valueOf(1 << 20));
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
    client = Vertx.vertx();
    face = singleFaceImage();
    otherSubject = subject("other", "someone else");
    String mine = subject("mine", "enrolled");
    assertEquals(201, admin.postRaw("/api/v1/subjects/" + mine + "/faces", "image/jpeg", face).status());
    JsonObject index = admin.get("/api/v1/index/status").json();
    modelId = index.getString("modelId");
    dimension = index.getInteger("dimension");
  }

  /** The recognizer of the service, for an import header that it accepts. */
  String modelId;
  int dimension;

  @AfterAll
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (service != null) {
      service.close();
    }
    try (Connection c = dev.facerec.testing.TestDatabase.connect()) {
      c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  // ---- the authorization matrix

  record Op(String id, String method, String path, List<String> roles, boolean unscoped) {}

  /** A ready request: path with its ids, body, and the status the right credential gets. */
  record Call(String path, String contentType, byte[] body, int success) {}

  @SuppressWarnings("unchecked")
  static List<Op> operations() throws IOException {
    Map<String, Object> doc;
    try (InputStream in = SecurityIT.class.getResourceAsStream("/openapi/openapi.yaml")) {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    }
    List<Op> ops = new ArrayList<>();
    ((Map<String, Map<String, Object>>) doc.get("paths")).forEach((path, item) -> item.forEach((method, o) -> {
      if (!method.equals("parameters")) {
        Map<String, Object> op = (Map<String, Object>) o;
        assertNotNull(op.get("x-roles"), "operation " + op.get("operationId") + " declares no x-roles");
        ops.add(new Op((String) op.get("operationId"), method.toUpperCase(), path,
            (List<String>) op.get("x-roles"), Boolean.TRUE.equals(op.get("x-unscoped"))));
      }
    }));
    return ops;
  }

  /** Fresh inputs for each operation; an operation missing here fails the test. */
  Call call(Op op) {
    return switch (op.id()) {
      case "health", "readiness", "metrics", "healthDetails", "indexStatus", "listKeys", "clusterStatus" -> new Call(op.path(), null, null, 200);
      // a member that does not exist: the matrix must not drain the node it tests
      case "drainNode" -> new Call(op.path().replace("{node}", "no-such-node"), null, null, 404);
      case "detect" -> new Call(op.path(), "image/jpeg", face, 200);
      // a plain GET with the right credential: the upgrade itself is tested with the WebSockets below
      case "wsDetect" -> new Call(op.path(), null, null, 400);
      case "identify" -> new Call(op.path() + "?collection=mine", "image/jpeg", face, 200);
      case "verify" -> multipart(op.path(), Map.of("file1", face, "file2", face), 200);
      case "createSubject" -> new Call(op.path(), "application/json",
          "{\"name\":\"n\",\"collection\":\"mine\"}".getBytes(StandardCharsets.UTF_8), 201);
      case "listSubjects" -> new Call(op.path() + "?collection=mine", null, null, 200);
      case "getSubject", "listFaces", "subjectConsistency" -> new Call(withId(op.path(), subject("mine", "x")), null, null, 200);
      case "updateSubject" -> new Call(withId(op.path(), subject("mine", "x")), "application/json",
          "{\"name\":\"y\"}".getBytes(StandardCharsets.UTF_8), 200);
      case "deleteSubject" -> new Call(withId(op.path(), subject("mine", "x")), null, null, 204);
      // the matrix enrolls one face many times: the duplicate check (DecisionsIT) is waived here
      case "enrollFace" -> new Call(withId(op.path(), subject("mine", "x")) + "?allowDuplicate=true", "image/jpeg", face, 201);
      case "deleteFace" -> {
        String s = subject("mine", "x");
        String f = admin.postRaw("/api/v1/subjects/" + s + "/faces?allowDuplicate=true", "image/jpeg", face).json().getString("id");
        yield new Call(withId(op.path(), s).replace("{faceId}", f), null, null, 204);
      }
      case "rebuildIndex" -> new Call(op.path() + "?collection=mine", null, null, 200);
      case "exportEmbeddings" -> {
        subject("mine", "x"); // the collection exists
        yield new Call(op.path().replace("{name}", "mine"), null, null, 200);
      }
      case "importEmbeddings" -> new Call(op.path().replace("{name}", "mine"), "application/x-ndjson", (new JsonObject()
          .put("format", "facerec-embeddings").put("version", 1).put("modelId", modelId).put("dimension", dimension).encode() + "\n")
          .getBytes(StandardCharsets.UTF_8), 200);
      case "getCollectionSettings" -> new Call(op.path().replace("{name}", "mine"), null, null, 200);
      case "putCollectionSettings" -> new Call(op.path().replace("{name}", "mine"), "application/json",
          "{\"minMargin\":0.01}".getBytes(StandardCharsets.UTF_8), 200);
      case "createKey" -> new Call(op.path(), "application/json",
          "{\"roles\":[\"detect\"],\"name\":\"matrix\"}".getBytes(StandardCharsets.UTF_8), 201);
      case "revokeKey" -> new Call(op.path().replace("{keyId}", key("detect", null).getString("id")), null, null, 204);
      case "rotateKey" -> new Call(op.path().replace("{keyId}", key("detect", null).getString("id")), null, null, 201);
      // the CompreFace-compatible routes: collection=mine, so the scoped keys are checked too
      case "cfAddSubject" -> new Call(op.path() + "?collection=mine", "application/json",
          new JsonObject().put("subject", "cf-" + UUID.randomUUID()).encode().getBytes(StandardCharsets.UTF_8), 201);
      case "cfListSubjects", "cfListFaces" -> new Call(op.path() + "?collection=mine", null, null, 200);
      case "cfDeleteAllSubjects", "cfDeleteFaces" -> new Call(op.path() + "?collection=mine", null, null, 200);
      case "cfRenameSubject" -> new Call(op.path().replace("{subject}", cfSubject()) + "?collection=mine", "application/json",
          new JsonObject().put("subject", "cf-" + UUID.randomUUID()).encode().getBytes(StandardCharsets.UTF_8), 200);
      case "cfDeleteSubject" -> new Call(op.path().replace("{subject}", cfSubject()) + "?collection=mine", null, null, 200);
      case "cfAddFace" -> new Call(op.path() + "?collection=mine&allowDuplicate=true&subject=" + cfSubject(), "image/jpeg", face, 201);
      case "cfDeleteFaceList" -> new Call(op.path() + "?collection=mine", "application/json", "[]".getBytes(StandardCharsets.UTF_8), 200);
      case "cfDeleteFace" -> new Call(op.path().replace("{image_id}", cfFace()) + "?collection=mine", null, null, 200);
      case "cfVerifyExample" -> new Call(op.path().replace("{image_id}", cfFace()) + "?collection=mine", "image/jpeg", face, 200);
      case "cfRecognize" -> new Call(op.path() + "?collection=mine", "image/jpeg", face, 200);
      case "cfDetect" -> new Call(op.path(), "image/jpeg", face, 200);
      case "cfVerify" -> {
        Call m = multipart(op.path(), Map.of("source_image", face, "target_image", face), 200);
        yield m;
      }
      default -> throw new AssertionError("operation '" + op.id() + "' of openapi.yaml has no case in the security matrix");
    };
  }

  @Test
  @Order(1)
  @DisplayName("every operation of the OpenAPI document: 401 without credentials, 403 for a wrong role or collection, 404 for another collection's ids, 2xx with the right role")
  void authorizationMatrixCoversEveryOperation() throws IOException {
    List<Op> ops = operations();
    assertTrue(ops.size() >= 18, "operations parsed: " + ops.size());
    Map<String, String> keyOf = new LinkedHashMap<>();
    for (String role : List.of("admin", "enroll", "recognize", "detect")) {
      keyOf.put(role, key(role, null).getString("key"));
    }
    String scopedEnroll = key("enroll", "mine").getString("key");
    String scopedRecognize = key("recognize", "mine").getString("key");
    for (Op op : ops) {
      Call c = call(op);
      Http anonymous = admin.anonymous();
      if (op.roles().isEmpty()) {
        Http.Res open = anonymous.send(op.method(), c.path(), c.contentType(), c.body());
        assertEquals(c.success(), open.status(), op.id() + " is open: " + open);
        continue;
      }
      expect(op, anonymous.send(op.method(), c.path(), c.contentType(), c.body()), 401, "UNAUTHENTICATED");
      expect(op, admin.withKey("fr_" + "A".repeat(43)).send(op.method(), c.path(), c.contentType(), c.body()), 401, "UNAUTHENTICATED");
      String wrongRole = op.roles().contains("enroll") ? "recognize" : "enroll";
      expect(op, admin.withKey(keyOf.get(wrongRole)).send(op.method(), c.path(), c.contentType(), c.body()), 403, "FORBIDDEN");
      String scoped = op.roles().contains("recognize") ? scopedRecognize : scopedEnroll;
      if (op.path().contains("{id}")) {
        Call other = new Call(c.path().replaceFirst("/subjects/[0-9a-f-]{36}", "/subjects/" + otherSubject), c.contentType(), c.body(), 0);
        if (op.roles().contains("enroll")) {
          expect(op, admin.withKey(scopedEnroll).send(op.method(), other.path(), other.contentType(), other.body()), 404, "SUBJECT_NOT_FOUND");
        }
      } else if (op.unscoped()) {
        expect(op, admin.withKey(key("admin", "mine").getString("key")).send(op.method(), c.path(), c.contentType(), c.body()), 403, "FORBIDDEN");
      } else if (c.path().contains("collection=mine") || op.id().equals("createSubject")) {
        byte[] body = op.id().equals("createSubject") ? "{\"name\":\"n\",\"collection\":\"other\"}".getBytes(StandardCharsets.UTF_8) : c.body();
        expect(op, admin.withKey(scoped).send(op.method(), c.path().replace("collection=mine", "collection=other"), c.contentType(), body),
            403, "FORBIDDEN");
      }
      String right = op.roles().get(0);
      Http.Res ok = admin.withKey(keyOf.get(right)).send(op.method(), c.path(), c.contentType(), c.body());
      assertEquals(c.success(), ok.status(), op.id() + " with role " + right + ": " + ok);
      if (op.path().contains("{id}") && !op.unscoped() && op.roles().contains("enroll")) {
        // the collection's own scoped key works too (on fresh inputs)
        Call again = call(op);
        assertEquals(again.success(), admin.withKey(scopedEnroll).send(op.method(), again.path(), again.contentType(), again.body()).status(), op.id());
      }
    }
  }

  static void expect(Op op, Http.Res r, int status, String code) {
    assertEquals(status, r.status(), op.id() + ": " + r);
    assertEquals(code, r.errorCode(), op.id() + ": " + r);
  }

  @Test
  @Order(2)
  @DisplayName("every response carries the security headers; docs get a CSP that lets Swagger UI run")
  void securityHeadersOnEveryResponse() {
    for (Http.Res r : List.of(admin.anonymous().get("/api/v1/health"), admin.anonymous().get("/api/v1/subjects"),
        admin.get("/api/v1/nothing-here"))) {
      assertEquals("nosniff", r.header("X-Content-Type-Options"), r.toString());
      assertEquals("DENY", r.header("X-Frame-Options"));
      assertEquals("no-referrer", r.header("Referrer-Policy"));
      assertTrue(r.header("Content-Security-Policy").startsWith("default-src 'none'"), r.header("Content-Security-Policy"));
      assertEquals(null, r.header("Strict-Transport-Security"), "no HSTS over plain HTTP");
    }
    Http.Res docs = admin.anonymous().get("/docs/index.html");
    assertEquals(200, docs.status());
    assertTrue(docs.header("Content-Security-Policy").contains("script-src 'self'"));
    assertEquals(200, admin.anonymous().get("/api/v1/openapi.yaml").status(), "docs are open by default");
  }

  // ---- WebSocket

  @Test
  @Order(3)
  @DisplayName("the WebSocket upgrade is refused without credentials and with a wrong role; a revoked key's socket is closed")
  void webSocketNeedsCredentialsAndRevocationClosesIt() throws Exception {
    assertRejected(connect(null), 401);
    assertRejected(connect(key("enroll", null).getString("key")), 403);
    JsonObject k = key("detect", null);
    WebSocket ws = connect(k.getString("key")).get(10, TimeUnit.SECONDS);
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    List<JsonObject> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
    ws.textMessageHandler(t -> replies.add(new JsonObject(t)));
    ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(face));
    waitFor(() -> replies.size() == 1);
    assertEquals(1, replies.get(0).getJsonArray("faces").size(), replies.toString());
    // per-key connection limit (2 in this test)
    WebSocket second = connect(k.getString("key")).get(10, TimeUnit.SECONDS);
    assertRejected(connect(k.getString("key")), 429);
    assertEquals(204, admin.delete("/api/v1/admin/keys/" + k.getString("id")).status());
    assertEquals((short) 1008, closed.get(5, TimeUnit.SECONDS), "the revoked key's socket is closed with 1008");
    waitFor(second::isClosed);
    assertRejected(connect(k.getString("key")), 401);
  }

  @Test
  @Order(4)
  @DisplayName("a WebSocket frame over WS_MAX_FRAME_BYTES is answered WS_FRAME_TOO_LARGE and the socket stays open")
  void webSocketFrameLimit() throws Exception {
    WebSocket ws = connect(key("detect", null).getString("key")).get(10, TimeUnit.SECONDS);
    List<JsonObject> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
    ws.textMessageHandler(t -> replies.add(new JsonObject(t)));
    ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(new byte[(1 << 20) + (1 << 19)]));
    ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(face));
    waitFor(() -> replies.size() == 2);
    JsonObject tooLarge = replies.stream().filter(r -> r.getLong("seq") == 1).findFirst().orElseThrow();
    assertEquals("WS_FRAME_TOO_LARGE", tooLarge.getJsonObject("error").getString("code"), tooLarge.encode());
    assertFalse(ws.isClosed());
    ws.close();
  }

  @Test
  @Order(5)
  @DisplayName("a browser may open the WebSocket with a short-lived JWT in the query, not a long-lived one")
  void webSocketAcceptsShortLivedQueryToken() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String shortLived = jwt("ES256", ec, claims("detect", null).put("exp", now + 60));
    WebSocket ws = connectUri("/ws/detect?access_token=" + shortLived, null).get(10, TimeUnit.SECONDS);
    ws.close();
    String longLived = jwt("ES256", ec, claims("detect", null).put("exp", now + 3600));
    assertRejected(connectUri("/ws/detect?access_token=" + longLived, null), 401);
  }

  private CompletableFuture<WebSocket> connect(String apiKey) {
    return connectUri("/ws/detect", apiKey);
  }

  private CompletableFuture<WebSocket> connectUri(String uri, String apiKey) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1").setURI(uri);
    if (apiKey != null) {
      o.addHeader("X-API-Key", apiKey);
    }
    // One client kept in a field: a WebSocketClient nobody references is closed by its cleaner, and with it a
    // handshake still under way ("Connection closed while handshake in process").
    if (wsClient == null) {
      wsClient = client.createWebSocketClient();
    }
    return wsClient.connect(o).toCompletionStage().toCompletableFuture();
  }

  private static void assertRejected(CompletableFuture<WebSocket> f, int status) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
      fail("the upgrade should be refused with " + status);
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof UpgradeRejectedException, e.getCause().toString());
      assertEquals(status, ((UpgradeRejectedException) e.getCause()).getStatus());
    }
  }

  // ---- JWT

  @Test
  @Order(6)
  @DisplayName("JWTs: expired, not yet valid, wrong issuer, wrong audience, wrong key, alg none, HS256 with the public key are refused; valid ES256 and RS256 carry their roles and collection")
  void jwtValidation() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair stranger = g.generateKeyPair();
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put("expired", jwt("ES256", ec, claims("enroll", null).put("exp", now - 3600).put("iat", now - 7200)));
    refused.put("not yet valid", jwt("ES256", ec, claims("enroll", null).put("nbf", now + 3600)));
    refused.put("wrong issuer", jwt("ES256", ec, claims("enroll", null).put("iss", "https://evil.test")));
    refused.put("wrong audience", jwt("ES256", ec, claims("enroll", null).put("aud", "someone-else")));
    refused.put("wrong key", jwt("ES256", stranger, claims("enroll", null)));
    refused.put("alg none", unsigned(claims("enroll", null)));
    refused.put("HS256 with the public key", hs256(Files.readString(ecPublic).getBytes(StandardCharsets.UTF_8), claims("enroll", null)));
    refused.put("garbage", "not.a.jwt");
    refused.forEach((why, token) -> {
      Http.Res r = admin.withHeader("Authorization", "Bearer " + token).get("/api/v1/subjects");
      assertEquals(401, r.status(), why + ": " + r);
      assertEquals("UNAUTHENTICATED", r.errorCode(), why);
    });
    Http es = admin.withHeader("Authorization", "Bearer " + jwt("ES256", ec, claims("enroll", "mine")));
    assertEquals(200, es.get("/api/v1/subjects").status(), "ES256 with enroll, its own collection by default");
    assertEquals("mine", es.get("/api/v1/subjects").json().getString("collection"));
    assertEquals(403, es.get("/api/v1/subjects?collection=other").status(), "scoped by its collection claim");
    assertEquals(404, es.get("/api/v1/subjects/" + otherSubject).status(), "another collection's subject is absent");
    assertEquals(403, es.postRaw("/api/v1/detect", "image/jpeg", face).status(), "no detect role");
    Http rs = admin.withHeader("Authorization", "Bearer " + jwt("RS256", rsa, claims("detect recognize", null)));
    assertEquals(200, rs.postRaw("/api/v1/detect", "image/jpeg", face).status(), "RS256 with space-separated roles");
    assertEquals(403, rs.get("/api/v1/subjects").status());
  }

  JsonObject claims(String roles, String collection) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject c = new JsonObject().put("sub", "svc-1").put("iss", ISSUER).put("aud", AUDIENCE).put("iat", now)
        .put("exp", now + 300);
    c.put("roles", roles.contains(" ") ? roles : new JsonArray().add(roles));
    if (collection != null) {
      c.put("collection", collection);
    }
    return c;
  }

  String jwt(String alg, KeyPair keys, JsonObject claims) {
    JWTAuth signer = JWTAuth.create(client, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg)
        .setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(alg).setNoTimestamp(true));
  }

  static String unsigned(JsonObject claims) {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    return b.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  static String hs256(byte[] secret, JsonObject claims) throws Exception {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    String signing = b.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return signing + "." + b.encodeToString(mac.doFinal(signing.getBytes(StandardCharsets.UTF_8)));
  }

  // ---- rate limits and back-off

  @Test
  @Order(7)
  @DisplayName("the N+1th request of a key in the window gets 429 RATE_LIMITED with Retry-After")
  void rateLimitPerKey() {
    Http detectKey = admin.withKey(key("detect", null).getString("key"));
    for (int i = 0; i < DETECT_LIMIT; i++) {
      assertEquals(403, detectKey.get("/api/v1/subjects").status(), "request " + (i + 1));
    }
    Http.Res limited = detectKey.get("/api/v1/subjects");
    assertEquals(429, limited.status(), limited.toString());
    assertEquals("RATE_LIMITED", limited.errorCode());
    long retryAfter = Long.parseLong(limited.header("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    assertEquals(200, admin.get("/api/v1/subjects").status(), "other keys keep their own budget");
  }

  // ---- input limits

  @Test
  @Order(8)
  @DisplayName("a 50,000 x 50,000 PNG header and a 100 MB body are refused quickly without the heap growing")
  void hugeInputsAreRefusedCheaply() throws Exception {
    long before = usedHeap();
    long t0 = System.nanoTime();
    Http.Res png = admin.postRaw("/api/v1/detect", "image/png", pngHeader(50_000, 50_000));
    assertEquals(413, png.status(), png.toString());
    assertEquals("IMAGE_TOO_LARGE", png.errorCode());
    long hundredMb = 100L << 20;
    for (boolean declared : new boolean[] {true, false}) {
      Upload u = upload(service.port(), "/api/v1/detect", hundredMb, declared);
      System.out.printf("100 MB %s: answered after %d MB sent: %s%n", declared ? "declared" : "chunked", u.sent() >> 20,
          u.response().lines().findFirst().orElse(""));
      assertTrue(u.response().startsWith("HTTP/1.1 413"), u.response());
      assertTrue(u.response().contains("BODY_TOO_LARGE"), u.response());
      assertTrue(u.sent() < hundredMb, "the whole body was read before the answer");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long grown = usedHeap() - before;
    System.out.printf("huge inputs refused in %.2f s, heap grew by %d MiB%n", seconds, grown >> 20);
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertTrue(grown < (64L << 20), "heap grew by " + (grown >> 20) + " MiB");
  }

  @Test
  @Order(9)
  @DisplayName("SQL injection strings in key names are stored and listed literally")
  void injectionStringsAreLiteral() {
    String evil = "x'); DROP TABLE api_keys;--";
    Http.Res created = admin.postJson("/api/v1/admin/keys", new JsonObject().put("roles", new JsonArray().add("detect"))
        .put("name", evil).encode());
    assertEquals(201, created.status(), created.toString());
    assertEquals(evil, created.json().getString("name"));
    assertTrue(admin.get("/api/v1/admin/keys").json().getJsonArray("items").stream()
        .anyMatch(o -> evil.equals(((JsonObject) o).getString("name"))));
    assertEquals(400, admin.get("/api/v1/subjects?collection=" + java.net.URLEncoder.encode("a' OR '1'='1", StandardCharsets.UTF_8)).status());
  }

  @Test
  @Order(99)
  @DisplayName("repeated failed authentication from one address is slowed down with 429 AUTH_THROTTLED and Retry-After")
  void failedAuthenticationIsThrottled() {
    Http wrong = admin.withKey("fr_" + "B".repeat(43));
    Http.Res r = null;
    for (int i = 0; i <= FREE_FAILURES; i++) {
      r = wrong.get("/api/v1/subjects");
      if (r.status() == 429) {
        break;
      }
      assertEquals(401, r.status(), r.toString());
    }
    assertEquals(429, r.status(), "throttled after " + FREE_FAILURES + " failures: " + r);
    assertEquals("AUTH_THROTTLED", r.errorCode());
    assertNotNull(r.header("Retry-After"));
    assertEquals(429, wrong.get("/api/v1/subjects").status(), "the bad credential stays throttled");
    Http.Res good = admin.get("/api/v1/subjects");
    assertEquals(200, good.status(), "a key this node already accepted is not throttled by the address's failures: " + good);
  }

  // ---- helpers

  JsonObject key(String role, String collection) {
    JsonObject body = new JsonObject().put("roles", new JsonArray().add(role));
    if (collection != null) {
      body.put("collection", collection);
    }
    Http.Res r = admin.postJson("/api/v1/admin/keys", body.encode());
    assertEquals(201, r.status(), r.toString());
    return r.json();
  }

  String subject(String collection, String name) {
    Http.Res r = admin.postJson("/api/v1/subjects", new JsonObject().put("name", name).put("collection", collection).encode());
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("id");
  }

  /** A subject of collection "mine" (its name, as the CompreFace routes address it). */
  String cfSubject() {
    String name = "cf-" + UUID.randomUUID();
    subject("mine", name);
    return name;
  }

  /** A face enrolled in collection "mine" (its id). */
  String cfFace() {
    String s = subject("mine", "cf-face");
    return admin.postRaw("/api/v1/subjects/" + s + "/faces?allowDuplicate=true", "image/jpeg", face).json().getString("id");
  }

  static String withId(String path, String id) {
    return path.replace("{id}", id);
  }

  Call multipart(String path, Map<String, byte[]> files, int success) {
    String boundary = "----sec" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    files.forEach((name, bytes) -> {
      out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name
          + ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(bytes);
      out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    });
    out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return new Call(path, "multipart/form-data; boundary=" + boundary, out.toByteArray(), success);
  }

  /** A fixture image the detector finds exactly one face in. */
  byte[] singleFaceImage() throws IOException {
    for (List<Path> images : TestData.people(1)) {
      byte[] b = Files.readAllBytes(images.get(0));
      Http.Res r = admin.postRaw("/api/v1/detect", "image/jpeg", b);
      if (r.status() == 200 && r.json().getJsonArray("faces").size() == 1) {
        return b;
      }
    }
    throw new IllegalStateException("no single-face fixture image");
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  static byte[] pngHeader(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0)
        .put((byte) 0).array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  static long usedHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        fail("condition not met in 10 s");
      }
      Thread.sleep(20);
    }
  }

  /** {@code n} zero bytes, generated as read (the test must not hold 100 MB either). */
  record Upload(String response, long sent) {}

  /**
   * Sends a body of zeros ({@code Content-Length} or chunked) over a plain socket while reading the answer on another
   * thread: the answer is read as soon as it comes, before the server closes the connection under the sender (a
   * client that only reads after sending would see a reset instead of the 413).
   */
  static Upload upload(int port, String path, long bytes, boolean declared) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
      Thread sender = new Thread(() -> {
        try {
          var out = socket.getOutputStream();
          out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ADMIN_KEY + "\r\nContent-Type: image/jpeg\r\n"
              + (declared ? "Content-Length: " + bytes : "Transfer-Encoding: chunked") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = new byte[64 << 10];
          byte[] chunkHead = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          while (sent.get() < bytes && !answered.get()) {
            if (!declared) {
              out.write(chunkHead);
            }
            out.write(chunk);
            if (!declared) {
              out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            sent.addAndGet(chunk.length);
          }
        } catch (IOException closedUnderUs) {
          // the server answered and closed: expected once the limit is passed
        }
      });
      sender.start();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          response.write(buf, 0, n);
          answered.set(true);
          String r = response.toString(StandardCharsets.UTF_8);
          if (r.contains("\r\n\r\n") && r.contains("}")) {
            break; // the JSON error body is complete
          }
        }
      } catch (java.net.SocketException reset) {
        // a reset after the answer was read is fine; before it, the assertion on the response fails
      }
      answered.set(true);
      socket.shutdownOutput();
      sender.join(10_000);
      return new Upload(response.toString(StandardCharsets.UTF_8), sent.get());
    }
  }

  static final class ZeroStream extends InputStream {
    private long left;

    ZeroStream(long n) {
      left = n;
    }

    @Override
    public int read() {
      if (left <= 0) {
        return -1;
      }
      left--;
      return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      left -= n;
      return n;
    }
  }
}
