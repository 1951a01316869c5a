package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Images;
import dev.facerec.testing.NodeHarness;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The OpenAPI document tells the truth: a real node (faceplugin models, the test PostgreSQL in a fresh schema, the
 * fixture faces) is driven through every operation of the document it serves, successes and errors, native and
 * CompreFace-compatible, and the WebSocket. Each answer's status must be documented for its operation and its body
 * must validate against the documented schema (OpenAPI 3.1 dialect; response schemas are closed, so an undocumented
 * field fails). The document also lints clean with {@code redocly lint}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final Path RESOURCE = Path.of("src/main/resources/openapi/openapi.yaml");
  static final int DETECT_BUDGET = 3;
  /** CORS_ORIGINS of the node: a request from another Origin is refused on every route, the open ones included. */
  static final String ALLOWED_ORIGIN = "https://app.example";

  final String schema = TestNode.schema("openapiit");
  final ObjectMapper json = new ObjectMapper();
  Service service;
  Http admin;
  Vertx client;
  WebSocketClient wsClient;
  String served;
  JsonNode doc;
  final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31());
  final Map<String, Schema> schemas = new HashMap<>();

  /** operationId → the statuses seen. */
  final Map<String, Set<Integer>> seen = new TreeMap<>();
  final List<String> problems = new ArrayList<>();
  int validatedBodies;

  byte[] face;
  byte[] sameFace;
  byte[] group;
  byte[] blank;
  byte[] corrupt;
  final byte[] text = "these bytes are no image".getBytes(StandardCharsets.UTF_8);
  Http enrollOnly;
  Http recognizeOnly;
  Http scopedElsewhere;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("openapiit");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"), schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("MAX_BODY_BYTES", String.valueOf(3 << 20));
    env.put("RATE_LIMIT_DETECT", String.valueOf(DETECT_BUDGET));
    env.put("CORS_ORIGINS", ALLOWED_ORIGIN);
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
    client = Vertx.vertx();
    wsClient = client.createWebSocketClient();
    Http.Res spec = admin.anonymous().get("/api/v1/openapi.yaml");
    assertEquals(200, spec.status(), spec.toString());
    served = spec.body();
    doc = new YAMLMapper().readTree(served);
    enrollOnly = admin.withKey(key("enroll", null));
    recognizeOnly = admin.withKey(key("recognize", null));
    scopedElsewhere = admin.withKey(key("admin", "elsewhere"));
    images();
  }

  @AfterAll
  void stop() throws Exception {
    if (client != null) {
      client.close().await();
    }
    try {
      if (service != null) {
        service.close();
      }
    } finally {
      TestNode.dropSchema(schema);
    }
  }

  String key(String role, String collection) {
    JsonObject body = new JsonObject().put("roles", new JsonArray().add(role)).put("collection", collection);
    Http.Res r = admin.postJson("/api/v1/admin/keys", body.encode());
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("key");
  }

  void images() throws IOException {
    for (List<Path> person : TestData.people(2)) {
      byte[] a = Files.readAllBytes(person.get(0));
      byte[] b = Files.readAllBytes(person.get(1));
      if (faces(a) == 1 && faces(b) == 1) {
        face = a;
        sameFace = b;
        break;
      }
    }
    assertTrue(face != null, "a person with two single-face images");
    try (var files = Files.list(TestData.faces().resolve("groups"))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
        if (faces(Files.readAllBytes(p)) > 1) {
          group = Files.readAllBytes(p);
          break;
        }
      }
    }
    assertTrue(group != null, "a group photo");
    BufferedImage gray = new BufferedImage(240, 240, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 240; y++) {
      for (int x = 0; x < 240; x++) {
        gray.setRGB(x, y, 0x808080 + (x % 7));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(gray, "jpg", out);
    blank = out.toByteArray();
    corrupt = Arrays.copyOf(face, face.length / 3);
  }

  int faces(byte[] image) {
    Http.Res r = admin.postRaw("/api/v1/detect", "image/jpeg", image);
    return r.status() == 200 ? r.json().getJsonArray("faces").size() : -1;
  }

  // ---- the checker

  /** The path template of the document that serves {@code method path}, literal segments preferred. */
  String template(String method, String path) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    String best = null;
    int bestParams = Integer.MAX_VALUE;
    for (String t : names(doc.path("paths"))) {
      if (!doc.path("paths").path(t).has(method.toLowerCase())) {
        continue;
      }
      Pattern p = Pattern.compile(Arrays.stream(t.split("/", -1))
          .map(s -> s.startsWith("{") ? "[^/]+" : Pattern.quote(s)).reduce((a, b) -> a + "/" + b).orElse(""));
      int params = t.split("\\{", -1).length - 1;
      if (p.matcher(bare).matches() && params < bestParams) {
        best = t;
        bestParams = params;
      }
    }
    return best;
  }

  static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  JsonNode tree(String text) {
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + text, e);
    }
  }

  static String escape(String pointerPart) {
    return pointerPart.replace("~", "~0").replace("/", "~1");
  }

  Schema schemaAt(String pointer) {
    return schemas.computeIfAbsent(pointer, p -> {
      ObjectNode root = ((ObjectNode) doc).deepCopy();
      root.put("$ref", "#" + p);
      return registry.getSchema(root);
    });
  }

  List<Error> validate(String pointer, JsonNode instance) {
    return schemaAt(pointer).validate(instance);
  }

  /** Records a problem unless the answer's status is documented for the operation and its body matches. */
  Http.Res check(String method, String path, Http.Res r) {
    String t = template(method, path);
    if (t == null) {
      problems.add(method + " " + path + ": no operation in the document");
      return r;
    }
    String opPointer = "/paths/" + escape(t) + "/" + method.toLowerCase();
    JsonNode op = doc.at(opPointer);
    String id = op.path("operationId").asText();
    seen.computeIfAbsent(id, k -> new TreeSet<>()).add(r.status());
    String where = id + " " + method + " " + path + " -> " + r;
    String responsePointer = opPointer + "/responses/" + r.status();
    JsonNode response = doc.at(responsePointer);
    if (response.isMissingNode()) {
      problems.add(where + ": status " + r.status() + " is not documented");
      return r;
    }
    if (response.has("$ref")) {
      responsePointer = response.get("$ref").asText().substring(1);
      response = doc.at(responsePointer);
    }
    JsonNode content = response.path("content");
    if (content.isMissingNode() || content.isEmpty()) {
      if (!r.body().isEmpty()) {
        problems.add(where + ": a body where the document says none");
      }
      return r;
    }
    String type = r.header("Content-Type") == null ? "" : r.header("Content-Type").split(";")[0].trim();
    if (!content.has(type)) {
      problems.add(where + ": content type '" + type + "' is not documented (" + names(content) + ")");
      return r;
    }
    String mediaPointer = responsePointer + "/content/" + escape(type);
    if (type.equals("application/json")) {
      JsonNode body;
      try {
        body = tree(r.body());
      } catch (RuntimeException e) {
        problems.add(where + ": not JSON");
        return r;
      }
      List<Error> errors = validate(mediaPointer + "/schema", body);
      validatedBodies++;
      if (!errors.isEmpty()) {
        problems.add(where + ": " + errors);
      }
    } else if (content.path(type).has("x-line-schemas")) {
      for (String line : r.body().split("\n")) {
        validateLine(where, content.path(type).path("x-line-schemas"), tree(line));
      }
    }
    return r;
  }

  /** A line of a stream (NDJSON, WebSocket): valid against at least one of the listed schemas. */
  void validateLine(String where, JsonNode pointers, JsonNode line) {
    List<String> failures = new ArrayList<>();
    for (JsonNode p : pointers) {
      List<Error> errors = validate(p.asText().substring(1), line);
      if (errors.isEmpty()) {
        validatedBodies++;
        return;
      }
      failures.add(p.asText() + ": " + errors);
    }
    problems.add(where + ": line " + line + " matches none of " + failures);
  }

  Http.Res call(Http h, String method, String path, String type, byte[] body, int expected) {
    return expect(expected, check(method, path, h.send(method, path, type, body)));
  }

  Http.Res get(Http h, String path, int expected) {
    return call(h, "GET", path, null, null, expected);
  }

  Http.Res delete(Http h, String path, int expected) {
    return call(h, "DELETE", path, null, null, expected);
  }

  Http.Res postJson(Http h, String path, String body, int expected) {
    return call(h, "POST", path, "application/json", body.getBytes(StandardCharsets.UTF_8), expected);
  }

  Http.Res image(Http h, String path, byte[] image, int expected) {
    return call(h, "POST", path, "image/jpeg", image, expected);
  }

  Http.Res files(Http h, String path, Map<String, byte[]> files, int expected) {
    return expect(expected, check("POST", path, h.postFiles(path, files)));
  }

  /** The scenario expects a status (else it did not exercise what it means to): recorded, not thrown, to see all at once. */
  Http.Res expect(int expected, Http.Res r) {
    if (expected != r.status()) {
      problems.add("expected " + expected + ", got " + r);
    }
    return r;
  }

  static Map<String, byte[]> parts(Object... nameThenBytes) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenBytes.length; i += 2) {
      m.put((String) nameThenBytes[i], (byte[]) nameThenBytes[i + 1]);
    }
    return m;
  }

  // ---- the scenario

  @Test
  @Order(1)
  @DisplayName("the validation rejects what the document does not allow: an undocumented field, an undocumented status")
  void validationRejectsUndocumentedFieldsAndStatuses() {
    JsonNode subject = tree(new JsonObject().put("id", UUID.randomUUID().toString()).put("name", "n").put("collection", "default")
        .put("metadata", new JsonObject()).put("faceCount", 0).put("createdAt", "2026-01-01T00:00:00Z")
        .put("updatedAt", "2026-01-01T00:00:00Z").encode());
    assertEquals(List.of(), validate("/components/schemas/Subject", subject), "a real Subject validates");
    ((ObjectNode) subject).put("secret", "leaked");
    List<Error> errors = validate("/components/schemas/Subject", subject);
    assertFalse(errors.isEmpty(), "an undocumented field is rejected");
    assertTrue(errors.toString().contains("secret"), errors.toString());
    ((ObjectNode) subject).remove("secret");
    ((ObjectNode) subject).remove("faceCount");
    assertFalse(validate("/components/schemas/Subject", subject).isEmpty(), "a missing required field is rejected");
    JsonNode box = tree("{\"faces\":[{\"box\":{\"x\":1,\"y\":2,\"w\":3,\"h\":4},\"landmarks\":[],\"score\":0.9}],"
        + "\"width\":10,\"height\":10,\"millis\":1}");
    assertFalse(validate("/components/schemas/Detection", box).isEmpty(), "a box of another shape is rejected");

    int before = problems.size();
    check("POST", "/api/v1/detect", new Http.Res(418, "{}", Map.of("Content-Type", List.of("application/json"))));
    check("GET", "/api/v1/subjects", new Http.Res(200, "{\"items\":[],\"extra\":1}", Map.of("Content-Type", List.of("application/json"))));
    assertEquals(before + 2, problems.size(), "an undocumented status and an undocumented field are problems: " + problems);
    problems.subList(before, problems.size()).clear();
    seen.clear();
  }

  @Test
  @Order(2)
  @DisplayName("operations routes: health, readiness, details, index and cluster status, metrics, drain of an unknown node")
  void operationsRoutes() {
    Http anonymous = admin.anonymous();
    get(anonymous, "/api/v1/health", 200);
    get(anonymous, "/api/v1/health/ready", 200);
    Http foreign = admin.withHeader("Origin", "https://elsewhere.example");
    get(foreign, "/api/v1/health", 403);
    get(foreign, "/api/v1/health/ready", 403);
    get(foreign, "/metrics", 403);
    get(admin.withHeader("Origin", ALLOWED_ORIGIN), "/metrics", 200);
    get(admin, "/api/v1/health/details", 200);
    get(anonymous, "/api/v1/health/details", 401);
    get(enrollOnly, "/api/v1/health/details", 403);
    get(admin, "/api/v1/index/status", 200);
    get(scopedElsewhere, "/api/v1/index/status", 403);
    get(admin, "/api/v1/admin/cluster/status", 200);
    get(admin.withKey("fr_" + "A".repeat(43)), "/api/v1/admin/cluster/status", 401);
    get(anonymous, "/metrics", 200);
    call(admin, "POST", "/api/v1/admin/nodes/no-such-node/drain", null, null, 404);
    call(enrollOnly, "POST", "/api/v1/admin/nodes/no-such-node/drain", null, null, 403);
    call(admin, "POST", "/api/v1/admin/index/rebuild?collection=default", null, null, 200);
    call(admin, "POST", "/api/v1/admin/index/rebuild?collection=" + "x".repeat(65), null, null, 400);
    call(recognizeOnly, "POST", "/api/v1/admin/index/rebuild", null, null, 403);
  }

  @Test
  @Order(3)
  @DisplayName("detect: raw and multipart images, and every way an image is refused")
  void detect() {
    String path = "/api/v1/detect";
    image(admin, path, group, 200);
    files(admin, path, parts("file", face), 200);
    image(admin, path, new byte[0], 400);
    image(admin, path, corrupt, 400);
    image(admin, path, text, 415);
    files(admin, path, parts("file", Images.pngHeader(20_000, 100)), 413);
    image(admin.anonymous(), path, face, 401);
    image(enrollOnly, path, face, 403);
    Http limited = admin.withKey(key("detect", null));
    Http.Res r = null;
    for (int i = 0; i <= DETECT_BUDGET + 2 && (r == null || r.status() != 429); i++) {
      r = check("POST", path, limited.send("POST", path, "image/jpeg", new byte[0]));
    }
    expect(429, r);
  }

  String subjectId;
  String otherId;
  String faceId;

  @Test
  @Order(4)
  @DisplayName("subjects and faces: create, list, read, change, enroll, consistency, with their refusals")
  void subjectsAndFaces() {
    Http.Res created = postJson(admin, "/api/v1/subjects", "{\"name\":\"Ada\",\"metadata\":{\"employeeId\":\"E-1\"}}", 201);
    subjectId = created.json().getString("id");
    otherId = postJson(admin, "/api/v1/subjects", "{\"name\":\"Grace\"}", 201).json().getString("id");
    postJson(admin, "/api/v1/subjects", "{\"name\":42}", 400);
    postJson(admin, "/api/v1/subjects", "{\"name\":", 400);
    postJson(admin, "/api/v1/subjects", "{\"name\":\"n\",\"metadata\":{\"x\":\"" + "y".repeat(70_000) + "\"}}", 413);
    postJson(recognizeOnly, "/api/v1/subjects", "{\"name\":\"n\"}", 403);
    postJson(admin.withKey(key("enroll", "mine")), "/api/v1/subjects", "{\"name\":\"n\",\"collection\":\"other\"}", 403);
    postJson(admin.anonymous(), "/api/v1/subjects", "{\"name\":\"n\"}", 401);

    get(admin, "/api/v1/subjects?size=2", 200);
    get(admin, "/api/v1/subjects?size=100000", 400);
    get(recognizeOnly, "/api/v1/subjects", 403);
    String s = "/api/v1/subjects/" + subjectId;
    get(admin, s, 200);
    get(admin, "/api/v1/subjects/" + UUID.randomUUID(), 404);
    get(admin, "/api/v1/subjects/not-a-uuid", 404);
    call(admin, "PATCH", s, "application/json", "{\"name\":\"Ada L\"}".getBytes(StandardCharsets.UTF_8), 200);
    call(admin, "PATCH", s, "application/json", "{}".getBytes(StandardCharsets.UTF_8), 400);
    call(admin, "PATCH", "/api/v1/subjects/" + UUID.randomUUID(), "application/json", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8), 404);

    faceId = image(admin, s + "/faces", face, 201).json().getString("id");
    files(admin, s + "/faces?allowDuplicate=true", parts("file", sameFace), 201);
    image(admin, s + "/faces", blank, 422);
    image(admin, s + "/faces", group, 422);
    image(admin, s + "/faces", text, 415);
    image(admin, s + "/faces", new byte[0], 400);
    files(admin, s + "/faces", parts("file", Images.pngHeader(10_000, 10_000)), 413);
    image(admin, "/api/v1/subjects/" + UUID.randomUUID() + "/faces", face, 404);
    image(admin, "/api/v1/subjects/" + otherId + "/faces", face, 409);
    image(recognizeOnly, s + "/faces", face, 403);
    get(admin, s + "/faces", 200);
    get(admin, "/api/v1/subjects/" + UUID.randomUUID() + "/faces", 404);
    get(admin, s + "/consistency", 200);
    get(admin, "/api/v1/subjects/" + UUID.randomUUID() + "/consistency", 404);
  }

  @Test
  @Order(5)
  @DisplayName("identify and verify: decisions, and their refusals")
  void identifyAndVerify() {
    image(admin, "/api/v1/identify?limit=3", sameFace, 200);
    image(admin, "/api/v1/identify?minMargin=0.05&targetFpir=0.001", group, 200);
    image(admin, "/api/v1/identify", blank, 422);
    image(admin, "/api/v1/identify?targetFmr=0.001", face, 400);
    image(admin, "/api/v1/identify", text, 415);
    files(admin, "/api/v1/identify", parts("file", Images.pngHeader(20_000, 100)), 413);
    image(admin, "/api/v1/identify?collection=other", face, 200);
    image(admin.withKey(key("recognize", "mine")), "/api/v1/identify?collection=other", face, 403);
    image(enrollOnly, "/api/v1/identify", face, 403);
    image(admin.anonymous(), "/api/v1/identify", face, 401);

    files(admin, "/api/v1/verify", parts("file1", face, "file2", sameFace), 200);
    files(admin, "/api/v1/verify?targetFmr=0.001", parts("file1", face, "file2", group), 200);
    files(admin, "/api/v1/verify", parts("file1", face), 400);
    files(admin, "/api/v1/verify?targetFpir=0.001", parts("file1", face, "file2", sameFace), 400);
    files(admin, "/api/v1/verify", parts("file1", face, "file2", blank), 422);
    files(admin, "/api/v1/verify", parts("file1", face, "file2", text), 415);
    files(enrollOnly, "/api/v1/verify", parts("file1", face, "file2", sameFace), 403);
  }

  @Test
  @Order(6)
  @DisplayName("collection settings and embeddings export and import")
  void settingsAndEmbeddings() {
    String settings = "/api/v1/collections/default/settings";
    get(admin, settings, 200);
    get(admin, "/api/v1/collections/" + "x".repeat(65) + "/settings", 400);
    get(admin.withKey(key("enroll", "mine")), settings, 403);
    call(admin, "PUT", settings, "application/json", "{\"minMargin\":0.01,\"targetFpir\":0.01}".getBytes(StandardCharsets.UTF_8), 200);
    call(admin, "PUT", settings, "application/json", "{\"targetFmr\":0.01}".getBytes(StandardCharsets.UTF_8), 400);
    call(admin, "PUT", settings, "application/json", "{\"threshold\":null,\"targetFpir\":null,\"minMargin\":null}".getBytes(StandardCharsets.UTF_8), 200);
    call(enrollOnly, "PUT", settings, "application/json", "{}".getBytes(StandardCharsets.UTF_8), 403);

    String export = get(admin, "/api/v1/collections/default/embeddings", 200).body();
    get(admin, "/api/v1/collections/nosuch/embeddings", 404);
    get(enrollOnly, "/api/v1/collections/default/embeddings", 403);
    String embeddings = "/api/v1/collections/default/embeddings";
    // ids are kept: the collection's own export imports again, adding nothing
    call(admin, "POST", embeddings, "application/x-ndjson", export.getBytes(StandardCharsets.UTF_8), 200);
    JsonObject header = new JsonObject(export.split("\n")[0]);
    call(admin, "POST", embeddings, "application/x-ndjson", (header.copy().put("modelId", "another-model").encode() + "\n")
        .getBytes(StandardCharsets.UTF_8), 409);
    call(admin, "POST", embeddings, "application/x-ndjson", "{\"not\":\"a header\"}\n".getBytes(StandardCharsets.UTF_8), 400);
    call(admin, "POST", embeddings, "text/plain", export.getBytes(StandardCharsets.UTF_8), 415);
  }

  @Test
  @Order(7)
  @DisplayName("API keys: create, list, rotate, revoke")
  void keys() {
    String keys = "/api/v1/admin/keys";
    String id = postJson(admin, keys, "{\"roles\":[\"detect\"],\"name\":\"openapi\"}", 201).json().getString("id");
    postJson(admin, keys, "{\"roles\":\"detect\"}", 400);
    postJson(scopedElsewhere, keys, "{\"roles\":[\"detect\"]}", 403);
    get(admin, keys, 200);
    get(enrollOnly, keys, 403);
    String rotated = call(admin, "POST", keys + "/" + id + "/rotate", null, null, 201).json().getString("id");
    call(admin, "POST", keys + "/nosuchkey/rotate", null, null, 404);
    delete(admin, keys + "/" + rotated, 204);
    delete(admin, keys + "/" + rotated, 404);
    delete(enrollOnly, keys + "/" + rotated, 403);
  }

  @Test
  @Order(8)
  @DisplayName("the CompreFace-compatible routes: every one, with their refusals in CompreFace's shape")
  void compreFace() {
    String subjects = "/api/v1/recognition/subjects";
    postJson(admin, subjects, "{\"subject\":\"cf-ann\"}", 201);
    postJson(admin, subjects, "{\"subject\":\"cf-ann\"}", 409);
    postJson(admin, subjects, "{\"name\":\"no subject field\"}", 400);
    postJson(admin.anonymous(), subjects, "{\"subject\":\"x\"}", 401);
    postJson(recognizeOnly, subjects, "{\"subject\":\"x\"}", 403);
    get(admin, subjects, 200);
    get(admin.withKey(key("enroll", "mine")), subjects + "?collection=other", 403);
    call(admin, "PUT", subjects + "/cf-ann", "application/json", "{\"subject\":\"cf-bo\"}".getBytes(StandardCharsets.UTF_8), 200);
    call(admin, "PUT", subjects + "/nobody", "application/json", "{\"subject\":\"cf-x\"}".getBytes(StandardCharsets.UTF_8), 404);
    call(admin, "PUT", subjects + "/cf-bo", "application/json", "{\"subject\":\"Grace\"}".getBytes(StandardCharsets.UTF_8), 409);

    String faces = "/api/v1/recognition/faces";
    String imageId = image(admin, faces + "?subject=cf-bo&allowDuplicate=true", face, 201).json().getString("image_id");
    files(admin, faces + "?subject=cf-bo&allowDuplicate=true", parts("file", sameFace), 201);
    image(admin, faces + "?subject=cf-bo", blank, 400);
    image(admin, faces + "?subject=cf-bo", new byte[0], 400);
    call(admin, "POST", faces + "?subject=cf-bo", "image/png", Images.pngHeader(20_000, 100), 413);
    image(admin, faces + "?subject=cf-new", face, 409);
    image(recognizeOnly, faces + "?subject=cf-bo", face, 403);
    get(admin, faces + "?size=5", 200);
    get(admin, faces + "?subject=cf-bo", 200);
    get(admin, faces + "?size=0", 400);

    String verify = faces + "/" + imageId + "/verify";
    image(admin, verify + "?face_plugins=landmarks,calculator&status=true", sameFace, 200);
    image(admin, verify, group, 200);
    image(admin, faces + "/" + UUID.randomUUID() + "/verify", face, 404);
    image(admin, verify, text, 400);
    image(enrollOnly, verify, face, 403);

    image(admin, "/api/v1/recognition/recognize?face_plugins=landmarks&status=true&prediction_count=2", sameFace, 200);
    image(admin, "/api/v1/recognition/recognize", group, 200);
    image(admin, "/api/v1/recognition/recognize", blank, 400);
    call(admin, "POST", "/api/v1/recognition/recognize", "image/png", Images.pngHeader(20_000, 100), 413);
    image(enrollOnly, "/api/v1/recognition/recognize", face, 403);
    image(admin, "/api/v1/detection/detect?face_plugins=calculator,landmarks&status=true", group, 200);
    image(admin, "/api/v1/detection/detect", face, 200);
    image(admin, "/api/v1/detection/detect", text, 400);
    image(enrollOnly, "/api/v1/detection/detect", face, 403);
    files(admin, "/api/v1/verification/verify?status=true", parts("source_image", face, "target_image", group), 200);
    files(admin, "/api/v1/verification/verify", parts("source_image", face), 400);
    files(enrollOnly, "/api/v1/verification/verify", parts("source_image", face, "target_image", sameFace), 403);

    postJson(admin, faces + "/delete", "[\"" + UUID.randomUUID() + "\"]", 200);
    postJson(admin, faces + "/delete", "{\"not\":\"a list\"}", 400);
    postJson(recognizeOnly, faces + "/delete", "[]", 403);
    delete(admin, faces + "/" + imageId, 200);
    delete(admin, faces + "/" + imageId, 404);
    delete(recognizeOnly, faces + "/" + imageId, 403);
    delete(admin, faces + "?subject=cf-bo", 200);
    delete(admin, faces + "?subject=nobody", 200); // nothing to delete is no error here
    delete(recognizeOnly, faces, 403);
    delete(admin, subjects + "/cf-bo", 200);
    delete(admin, subjects + "/cf-bo", 404);
    delete(recognizeOnly, subjects + "/cf-bo", 403);
    delete(recognizeOnly, subjects, 403);
    postJson(admin, subjects + "?collection=cfall", "{\"subject\":\"cf-gone\"}", 201);
    delete(admin, subjects + "?collection=cfall", 200);
  }

  @Test
  @Order(9)
  @DisplayName("the WebSocket: a plain GET, refused upgrades, and real frame replies valid against the message schemas")
  void webSocket() throws Exception {
    get(admin, "/ws/detect", 400);
    get(admin.anonymous(), "/ws/detect", 401);
    get(enrollOnly, "/ws/detect", 403);
    WebSocketConnectOptions o = new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1").setURI("/ws/detect")
        .addHeader("X-API-Key", ADMIN_KEY);
    List<String> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Void> three = new CompletableFuture<>();
    WebSocket ws = wsClient.connect(o).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    seen.computeIfAbsent("wsDetect", k -> new TreeSet<>()).add(101);
    ws.textMessageHandler(m -> {
      replies.add(m);
      if (replies.size() == 3) {
        three.complete(null);
      }
    });
    ws.writeBinaryMessage(Buffer.buffer(face));
    ws.writeBinaryMessage(Buffer.buffer(text));
    ws.writeTextMessage("hello");
    three.get(60, TimeUnit.SECONDS);
    ws.close().await();
    JsonNode messages = doc.at("/paths/~1ws~1detect/get/x-websocket/server-messages");
    String pointer = messages.get("$ref").asText();
    for (String m : replies) {
      validateLine("wsDetect message", tree("[\"" + pointer + "\"]"), tree(m));
    }
    assertTrue(replies.stream().anyMatch(m -> m.contains("\"faces\"")), replies.toString());
  }

  @Test
  @Order(10)
  @DisplayName("subjects and faces are deleted, then the node drains: 202, and readiness says NOT_READY")
  void deletesAndDrain() {
    String s = "/api/v1/subjects/" + subjectId;
    delete(admin, s + "/faces/" + faceId, 204);
    delete(admin, s + "/faces/" + faceId, 404);
    delete(recognizeOnly, s + "/faces/" + faceId, 403);
    delete(admin, s, 204);
    delete(admin, s, 404);
    delete(recognizeOnly, "/api/v1/subjects/" + otherId, 403);
    String self = admin.get("/api/v1/admin/cluster/status").json().getString("answeredBy");
    call(admin, "POST", "/api/v1/admin/nodes/" + self + "/drain", null, null, 202);
    try {
      Http.Res ready = check("GET", "/api/v1/health/ready", admin.anonymous().get("/api/v1/health/ready"));
      Http.Res refused = check("GET", "/api/v1/subjects", admin.get("/api/v1/subjects"));
      System.out.println("while draining: readiness " + ready.status() + ", subjects " + refused.status());
    } catch (UncheckedIOException closed) {
      System.out.println("the node closed before the readiness probe: " + closed);
    }
  }

  @Test
  @Order(11)
  @DisplayName("every operation of the document was driven, with a success and a 4xx, and every answer matched the document")
  void everyOperationMatchesTheDocument() {
    List<String> missing = new ArrayList<>();
    int operations = 0;
    int responses = 0;
    for (String path : names(doc.path("paths"))) {
      for (String method : names(doc.path("paths").path(path))) {
        if (method.equals("parameters")) {
          continue;
        }
        operations++;
        String id = doc.path("paths").path(path).path(method).path("operationId").asText();
        Set<Integer> statuses = seen.getOrDefault(id, Set.of());
        responses += statuses.size();
        if (statuses.stream().noneMatch(s -> s >= 200 && s < 300 || s == 101)) {
          missing.add(id + ": no success driven (" + statuses + ")");
        }
        if (statuses.stream().noneMatch(s -> s >= 400 && s < 500)) {
          missing.add(id + ": no 4xx driven (" + statuses + ")");
        }
        if (names(doc.path("paths").path(path).path(method).path("responses")).stream()
            .noneMatch(s -> s.startsWith("4"))) {
          missing.add(id + ": documents no 4xx");
        }
      }
    }
    System.out.println("OpenApiIT: " + operations + " operations, " + responses + " (operation, status) pairs, " + validatedBodies
        + " bodies validated; statuses seen: " + seen);
    assertEquals(List.of(), problems, "answers that do not match the document:\n" + String.join("\n", problems));
    assertEquals(List.of(), missing, "operations not covered:\n" + String.join("\n", missing));
  }

  @Test
  @Order(12)
  @DisplayName("redocly lint finds no error in the served document")
  void redoclyLintsClean() throws Exception {
    assertEquals(Files.readString(RESOURCE), served, "the service serves src/main/resources/openapi/openapi.yaml as it is");
    NodeHarness.install("@redocly/cli");
    ProcessBuilder pb = new ProcessBuilder(NodeHarness.DIR.resolve("node_modules/.bin/redocly").toString(), "lint",
        "--config", "redocly.yaml", "--format", "stylish", RESOURCE.toString()).redirectErrorStream(true);
    pb.environment().put("REDOCLY_TELEMETRY", "off");
    pb.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    pb.environment().put("NO_COLOR", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "redocly lint ran past 120 s");
    System.out.println("redocly lint:\n" + out);
    assertEquals(0, p.exitValue(), "redocly lint failed:\n" + out);
    assertFalse(Pattern.compile("\\berror\\b").matcher(out.replace("--generate-ignore-file", "")).find()
        && !out.contains("valid"), out);
  }
}
