package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Images;
import dev.facerec.testing.NodeHarness;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CompreFace-compatible API against a real node (faceplugin, the test PostgreSQL, fixture
 * images): every call of the official CompreFace JavaScript SDK from npm, run by Node, compared with what the
 * native API answers for the same images; then the routes and failures the SDK does not reach, over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompreFaceIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final Path HARNESS = NodeHarness.DIR;

  static final String CF = "/api/v1/recognition";

  final String schema = TestNode.schema("cfit");
  Service service;
  Http admin;
  Path images;
  String recognitionKey;
  String detectionKey;
  String verificationKey;
  /** person A: a1, a2 enrolled, a3 the probe; person B: b1 */
  final Map<String, byte[]> files = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("cfit");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"),
        schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("MAX_BODY_BYTES", String.valueOf(3 << 20));
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
    // CompreFace service keys: each scoped to the collection with the roles of its service type
    recognitionKey = key("[\"enroll\",\"recognize\"]", "frontdoor");
    detectionKey = key("[\"detect\"]", "frontdoor");
    verificationKey = key("[\"recognize\"]", "frontdoor");
    images = Files.createDirectories(dir.resolve("images"));
    pickImages();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Files.write(images.resolve(e.getKey() + ".jpg"), e.getValue());
    }
    Files.copy(TestData.faces().resolve("groups/faceapi_bbt4.jpg"), images.resolve("group.jpg"), StandardCopyOption.REPLACE_EXISTING);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
  }

  /** A person with three single-face images and another person with one, by the native detector. */
  void pickImages() throws IOException {
    for (List<Path> person : TestData.people(3)) {
      List<byte[]> single = new ArrayList<>();
      for (Path p : person) {
        byte[] b = Files.readAllBytes(p);
        if (faceCount(b) == 1) {
          single.add(b);
        }
      }
      if (single.size() >= 3 && !files.containsKey("a1")) {
        files.put("a1", single.get(0));
        files.put("a2", single.get(1));
        files.put("a3", single.get(2));
      } else if (files.containsKey("a1") && !single.isEmpty()) {
        files.put("b1", single.get(0));
        return;
      }
    }
    throw new IllegalStateException("no fixture people with single-face images");
  }

  int faceCount(byte[] image) {
    return admin.postRaw("/api/v1/detect", "image/jpeg", image).json().getJsonArray("faces").size();
  }

  @Test
  @Order(1)
  @DisplayName("every call of the official CompreFace JavaScript SDK works and agrees with the native API")
  void officialSdkCallsWork() throws Exception {
    // the same enrollments through the native API in another collection, to compare answers with
    String aliceId = admin.postJson("/api/v1/subjects", "{\"name\":\"Alice A\",\"collection\":\"mirror\"}").json().getString("id");
    String bobId = admin.postJson("/api/v1/subjects", "{\"name\":\"Bob\",\"collection\":\"mirror\"}").json().getString("id");
    assertEquals(201, admin.postRaw("/api/v1/subjects/" + aliceId + "/faces", "image/jpeg", files.get("a1")).status());
    assertEquals(201, admin.postRaw("/api/v1/subjects/" + aliceId + "/faces", "image/jpeg", files.get("a2")).status());
    assertEquals(201, admin.postRaw("/api/v1/subjects/" + bobId + "/faces", "image/jpeg", files.get("b1")).status());
    JsonObject native1 = admin.postFile("/api/v1/identify?collection=mirror&limit=2", files.get("a3")).json();
    JsonObject r = runSdk();
    assertEquals("Alice", ok(r, "subjects.add").getString("subject"));
    assertEquals(true, ok(r, "subjects.rename").getBoolean("updated"));
    String a1 = ok(r, "faces.add.path").getString("image_id");
    UUID.fromString(a1);
    assertEquals("Alice A", ok(r, "faces.add.path").getString("subject"));
    String a2 = ok(r, "faces.add.base64").getString("image_id");
    assertEquals("Bob", ok(r, "faces.add.newSubject").getString("subject"), "a face for an unknown subject creates it");
    assertEquals(new JsonArray().add("Alice A").add("Bob"), ok(r, "subjects.list").getJsonArray("subjects"));
    JsonObject list = ok(r, "faces.list");
    assertEquals(3, list.getInteger("total_elements"));
    assertEquals(3, list.getJsonArray("faces").size());
    assertEquals(1, list.getInteger("total_pages"));

    // recognize: CompreFace's fields, the same similarity as the native identify, our decision beside it
    JsonObject nativeFace = native1.getJsonArray("faces").getJsonObject(0);
    JsonObject face = ok(r, "recognize").getJsonArray("result").getJsonObject(0);
    assertEquals(1, ok(r, "recognize").getJsonArray("result").size());
    assertBox(face.getJsonObject("box"));
    JsonArray subjects = face.getJsonArray("subjects");
    assertEquals(2, subjects.size(), "prediction_count=2: " + face.encode());
    assertEquals("Alice A", subjects.getJsonObject(0).getString("subject"));
    assertEquals(nativeFace.getJsonArray("candidates").getJsonObject(0).getDouble("similarity"),
        subjects.getJsonObject(0).getDouble("similarity"), 1e-4);
    assertTrue(subjects.getJsonObject(0).getDouble("similarity") > subjects.getJsonObject(1).getDouble("similarity"));
    assertEquals(5, face.getJsonArray("landmarks").size(), "landmarks plugin");
    assertEquals(dimension(), face.getJsonArray("embedding").size(), "calculator plugin");
    assertNotNull(face.getJsonObject("execution_time"), "status=true");
    assertNotNull(ok(r, "recognize").getJsonObject("plugins_versions"));
    assertEquals(nativeFace.getString("decision"), face.getJsonObject("facerec").getString("decision"));
    assertEquals(native1.getDouble("threshold"), ok(r, "recognize").getJsonObject("facerec").getDouble("threshold"));
    JsonObject base64Face = ok(r, "recognize.base64").getJsonArray("result").getJsonObject(0);
    assertEquals(subjects.getJsonObject(0).getDouble("similarity"), base64Face.getJsonArray("subjects").getJsonObject(0).getDouble("similarity"), 1e-4);
    assertFalse(base64Face.containsKey("embedding"), "no plugin asked, none served");

    // verify against a stored example = the native 1:1 of the two images
    JsonObject same = nativeVerify("a1", "a3");
    JsonObject example = ok(r, "faces.verify").getJsonArray("result").getJsonObject(0);
    assertEquals(same.getDouble("similarity"), example.getDouble("similarity"), 1e-4);
    assertEquals(same.getBoolean("match"), example.getJsonObject("facerec").getBoolean("match"));

    // detection
    JsonArray detected = ok(r, "detect").getJsonArray("result");
    assertEquals(faceCount(Files.readAllBytes(images.resolve("group.jpg"))), detected.size());
    detected.forEach(o -> assertBox(((JsonObject) o).getJsonObject("box")));
    assertEquals(5, detected.getJsonObject(0).getJsonArray("landmarks").size());
    assertEquals(dimension(), ok(r, "detect.calculator").getJsonArray("result").getJsonObject(0).getJsonArray("embedding").size());

    // verification service
    JsonObject sameMatch = ok(r, "verify.same").getJsonArray("result").getJsonObject(0);
    assertBox(sameMatch.getJsonObject("source_image_face").getJsonObject("box"));
    JsonObject m = sameMatch.getJsonArray("face_matches").getJsonObject(0);
    assertEquals(same.getDouble("similarity"), m.getDouble("similarity"), 1e-4);
    assertEquals(same.getBoolean("match"), m.getJsonObject("facerec").getBoolean("match"));
    JsonObject diff = nativeVerify("a1", "b1");
    JsonObject d = ok(r, "verify.different").getJsonArray("result").getJsonObject(0).getJsonArray("face_matches").getJsonObject(0);
    assertEquals(diff.getDouble("similarity"), d.getDouble("similarity"), 1e-4);
    assertEquals(false, d.getJsonObject("facerec").getBoolean("match"), "different people");
    assertTrue(m.getDouble("similarity") > d.getDouble("similarity"));
    assertEquals(m.getDouble("similarity"), ok(r, "verify.base64").getJsonArray("result").getJsonObject(0)
        .getJsonArray("face_matches").getJsonObject(0).getDouble("similarity"), 1e-4);

    // a wrong key: CompreFace's error body
    JsonObject wrong = r.getJsonObject("recognize.wrongKey");
    assertEquals(false, wrong.getBoolean("ok"));
    assertEquals(401, wrong.getInteger("status"));
    assertTrue(wrong.getJsonObject("data").getValue("code") instanceof Integer, wrong.encode());
    assertNotNull(wrong.getJsonObject("data").getString("message"));
    assertEquals("UNAUTHENTICATED", wrong.getJsonObject("data").getJsonObject("facerec").getString("code"));

    // deletions
    assertEquals(new JsonObject().put("image_id", a2).put("subject", "Alice A"), ok(r, "faces.delete"));
    String again = ok(r, "faces.add.again").getString("image_id");
    assertEquals(new JsonArray().add(new JsonObject().put("image_id", again).put("subject", "Alice A")),
        okArray(r, "faces.delete_multiple_images"), "unknown ids are skipped");
    assertEquals(1, ok(r, "faces.delete_all_subject").getInteger("deleted"));
    JsonArray left = ok(r, "recognize.afterDeletes").getJsonArray("result").getJsonObject(0).getJsonArray("subjects");
    assertEquals(1, left.size(), "Bob's faces are gone: " + left.encode());
    assertEquals("Alice A", left.getJsonObject(0).getString("subject"));
    assertEquals(1, ok(r, "faces.delete_all").getInteger("deleted"));
    assertEquals(0, ok(r, "faces.list.empty").getInteger("total_elements"));
    assertEquals("Carol", ok(r, "subjects.delete").getString("subject"));
    assertEquals(2, ok(r, "subjects.deleteAll").getInteger("deleted"), "Alice A and Bob (whose faces were deleted)");
    assertEquals(new JsonArray(), ok(r, "subjects.list.empty").getJsonArray("subjects"));
    assertEquals(0, admin.get("/api/v1/subjects?collection=frontdoor").json().getInteger("total"), "the same gallery");
  }

  JsonObject runSdk() throws Exception {
    Path report = images.resolve("report.json");
    NodeHarness.install("@exadel/compreface-js-sdk");
    ProcessBuilder pb = new ProcessBuilder("node", HARNESS.resolve("compreface-sdk.mjs").toString())
        .directory(images.toFile()).redirectErrorStream(true).redirectOutput(images.resolve("node.log").toFile());
    pb.environment().putAll(Map.of("CF_URL", "http://127.0.0.1", "CF_PORT", String.valueOf(service.port()), "REC_KEY", recognitionKey,
        "DET_KEY", detectionKey, "VER_KEY", verificationKey, "REPORT", report.toString()));
    Process p = pb.start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, p.exitValue(), Files.readString(images.resolve("node.log")));
    return new JsonObject(Files.readString(report));
  }

  static JsonObject ok(JsonObject report, String call) {
    JsonObject c = report.getJsonObject(call);
    assertNotNull(c, call + " was not run");
    assertTrue(c.getBoolean("ok"), call + " failed: " + c.encode());
    return c.getJsonObject("data");
  }

  static JsonArray okArray(JsonObject report, String call) {
    JsonObject c = report.getJsonObject(call);
    assertTrue(c.getBoolean("ok"), call + " failed: " + c.encode());
    return c.getJsonArray("data");
  }

  static void assertBox(JsonObject box) {
    assertTrue(box.getDouble("probability") > 0 && box.getDouble("probability") <= 1, box.encode());
    assertTrue(box.getInteger("x_max") > box.getInteger("x_min") && box.getInteger("y_max") > box.getInteger("y_min"), box.encode());
  }

  int dimension() {
    return admin.get("/api/v1/index/status").json().getInteger("dimension");
  }

  JsonObject nativeVerify(String first, String second) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("file1", files.get(first));
    m.put("file2", files.get(second));
    Http.Res res = admin.postFiles("/api/v1/verify", m);
    assertEquals(200, res.status(), res.toString());
    return res.json();
  }

  // ---- the routes and failures the SDK does not reach

  @Test
  @Order(2)
  @DisplayName("faces are listed by page and by subject; subjects made natively are CompreFace subjects and back")
  void pagingAndTheSameGallery() {
    Http rec = admin.withKey(recognitionKey);
    String nativeId = admin.postJson("/api/v1/subjects", "{\"name\":\"Native\",\"collection\":\"frontdoor\"}").json().getString("id");
    assertEquals(201, admin.postRaw("/api/v1/subjects/" + nativeId + "/faces", "image/jpeg", files.get("a1")).status());
    assertEquals(201, rec.postRaw(CF + "/faces?subject=Other", "image/jpeg", files.get("b1")).status());
    assertEquals(201, rec.postJson(CF + "/faces?subject=Native&allowDuplicate=true",
        new JsonObject().put("file", Base64.getEncoder().encodeToString(files.get("a2"))).encode()).status());
    assertEquals(new JsonArray().add("Native").add("Other"), rec.get(CF + "/subjects").json().getJsonArray("subjects"));
    JsonObject page = rec.get(CF + "/faces?page=1&size=2").json();
    assertEquals(3, page.getInteger("total_elements"));
    assertEquals(2, page.getInteger("total_pages"));
    assertEquals(1, page.getJsonArray("faces").size());
    assertEquals(1, page.getInteger("page_number"));
    JsonObject native2 = rec.get(CF + "/faces?subject=Native").json();
    assertEquals(2, native2.getInteger("total_elements"));
    native2.getJsonArray("faces").forEach(f -> assertEquals("Native", ((JsonObject) f).getString("subject")));
    assertEquals(0, rec.get(CF + "/faces?subject=Nobody").json().getInteger("total_elements"));
    assertEquals(2, admin.get("/api/v1/subjects/" + nativeId).json().getInteger("faceCount"));
  }

  @Test
  @Order(3)
  @DisplayName("failures answer CompreFace's {message, code} with our code beside it: no face, several faces, bad plugin, bad base64, unknown ids, name taken")
  void failuresInCompreFaceShape() {
    Http rec = admin.withKey(recognitionKey);
    expect(rec.postRaw(CF + "/recognize", "image/png", Images.blankPng(320, 240)), 400, 28, "NO_FACE");
    expect(rec.postRaw(CF + "/faces?subject=Crowd", "image/jpeg", read(images.resolve("group.jpg"))), 400, 31, "MULTIPLE_FACES");
    assertFalse(rec.get(CF + "/subjects").json().getJsonArray("subjects").contains("Crowd"), "a refused image leaves no subject behind");
    expect(rec.postRaw(CF + "/recognize?face_plugins=telepathy", "image/jpeg", files.get("a3")), 400, 26, "INVALID_REQUEST");
    assertEquals(200, rec.postRaw(CF + "/recognize?face_plugins=age,gender", "image/jpeg", files.get("a3")).status(),
        "plugins this service does not compute are ignored");
    expect(rec.postJson(CF + "/recognize", "{\"file\":\"%%%not base64\"}"), 400, 26, "INVALID_REQUEST");
    expect(rec.postJson(CF + "/recognize", "{\"image\":\"abc\"}"), 400, 33, "MISSING_IMAGE");
    expect(rec.postRaw(CF + "/faces", "image/jpeg", files.get("a1")), 400, 26, "INVALID_REQUEST");
    expect(rec.delete(CF + "/faces/not-a-uuid"), 404, 11, "FACE_NOT_FOUND");
    expect(rec.delete(CF + "/faces/" + UUID.randomUUID()), 404, 11, "FACE_NOT_FOUND");
    expect(rec.send("PUT", CF + "/subjects/Native", "{\"subject\":\"Other\"}"), 409, 0, "SUBJECT_EXISTS");
    expect(rec.postJson(CF + "/subjects", "{\"subject\":\"Other\"}"), 409, 0, "SUBJECT_EXISTS");
    expect(rec.send("PUT", CF + "/subjects/Nobody", "{\"subject\":\"Somebody\"}"), 404, 0, "SUBJECT_NOT_FOUND");
    expect(rec.postRaw(CF + "/faces/" + UUID.randomUUID() + "/verify", "image/jpeg", files.get("a3")), 404, 11, "FACE_NOT_FOUND");
    expect(admin.withKey(detectionKey).postRaw(CF + "/recognize", "image/jpeg", files.get("a3")), 403, 0, "FORBIDDEN");
    expect(admin.anonymous().get(CF + "/subjects"), 401, 0, "UNAUTHENTICATED");
  }

  @Test
  @Order(4)
  @DisplayName("a service key sees only its collection: another collection's example ids answer as if absent")
  void serviceKeysAreScopedToTheirCollection() {
    Http rec = admin.withKey(recognitionKey);
    String id = rec.get(CF + "/faces?subject=Other").json().getJsonArray("faces").getJsonObject(0).getString("image_id");
    Http other = admin.withKey(key("[\"enroll\",\"recognize\"]", "backdoor"));
    assertEquals(new JsonArray(), other.get(CF + "/subjects").json().getJsonArray("subjects"));
    expect(other.delete(CF + "/faces/" + id), 404, 11, "FACE_NOT_FOUND");
    expect(other.postRaw(CF + "/faces/" + id + "/verify", "image/jpeg", files.get("a3")), 404, 11, "FACE_NOT_FOUND");
    expect(other.get(CF + "/subjects?collection=frontdoor"), 403, 0, "FORBIDDEN");
    assertEquals(0, other.postJson(CF + "/faces/delete", new JsonArray().add(id).encode()).body().length() - 2, "nothing deleted");
    assertEquals(new JsonObject().put("image_id", id).put("subject", "Other"), rec.delete(CF + "/faces/" + id).json());
    assertEquals(200, admin.get(CF + "/subjects?collection=frontdoor").status(), "an unscoped key names the collection");
  }

  void expect(Http.Res r, int status, int code, String ours) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.json().getInteger("code"), r.toString());
    assertNotNull(r.json().getString("message"), r.toString());
    assertEquals(ours, r.json().getJsonObject("facerec").getString("code"), r.toString());
    assertNotNull(r.json().getJsonObject("facerec").getString("requestId"));
  }

  String key(String roles, String collection) {
    Http.Res r = admin.postJson("/api/v1/admin/keys", "{\"roles\":" + roles + ",\"collection\":\"" + collection + "\"}");
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("key");
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
