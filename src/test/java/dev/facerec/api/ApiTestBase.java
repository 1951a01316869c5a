package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Images;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service end to end over HTTP with real models, the fixture faces and the test PostgreSQL (each profile in its
 * own schema): enroll 15 people, identify, verify, delete, restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ApiTestBase {
  static final int IDENTITIES = 15;
  /** The harness's admin key, given to the service as ADMIN_API_KEY on its first start. */
  static final String ADMIN_KEY = ApiKeys.generate();

  final String profile;
  final String schema;
  Path dataDir;
  Path modelsDir;
  Service service;
  Http http;
  /** subject id → [enrolled image, probe image] */
  final Map<String, Path[]> enrolled = new LinkedHashMap<>();
  final Map<String, String> names = new HashMap<>();
  /** subject id → the identify answer for its probe, compared after the restart */
  final Map<String, JsonObject> answers = new HashMap<>();

  ApiTestBase(String profile) {
    this.profile = profile;
    this.schema = TestNode.schema("apiit_" + profile.replace('-', '_'));
  }

  Map<String, String> env() {
    Map<String, String> env = TestNode.env(profile, modelsDir, dataDir, schema, ADMIN_KEY);
    env.put("MAX_BODY_BYTES", String.valueOf(3 << 20));
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    return env;
  }

  void startService() {
    AppConfig config = ConfigLoader.load(env());
    service = Service.start(config);
    http = new Http(service.port(), ADMIN_KEY);
  }

  @BeforeAll
  void start() throws IOException {
    dataDir = Files.createTempDirectory("apiit-data");
    modelsDir = TestData.modelsDir(profile);
    startService();
  }

  @AfterAll
  void stop() throws Exception {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Order(1)
  @DisplayName("health details report models, database and index up; liveness reveals nothing")
  void healthIsUp() {
    Http.Res r = http.get("/api/v1/health/details");
    assertEquals(200, r.status(), r.toString());
    assertEquals("UP", r.json().getString("status"));
    JsonArray checks = r.json().getJsonArray("checks");
    assertEquals(java.util.Set.of("build", "models", "database", "index"),
        checks.stream().map(c -> ((JsonObject) c).getString("id")).collect(java.util.stream.Collectors.toSet()), checks.encode());
    Http.Res live = http.anonymous().get("/api/v1/health");
    assertEquals(200, live.status(), live.toString());
    assertEquals(new JsonObject().put("status", "UP"), live.json());
  }

  @Test
  @Order(2)
  @DisplayName("enrolls 15 people with one image each")
  void enrollsTwentyIdentities() throws IOException {
    List<List<Path>> ids = TestData.people(2);
    int skipped = 0;
    for (List<Path> images : ids) {
      if (enrolled.size() == IDENTITIES) {
        break;
      }
      String name = images.get(0).getParent().getFileName().toString();
      Http.Res created = http.postJson("/api/v1/subjects", new JsonObject().put("name", name).put("metadata", new JsonObject().put("source", "fixtures")).encode());
      assertEquals(201, created.status(), created.toString());
      String id = created.json().getString("id");
      Http.Res face = http.postFile("/api/v1/subjects/" + id + "/faces", read(images.get(0)));
      if (face.status() == 422 && (face.errorCode().equals("MULTIPLE_FACES") || face.errorCode().startsWith("FACE_"))
          || face.status() == 409 && face.errorCode().equals("DUPLICATE_IDENTITY")) {
        // Photos may show a second person, some faces are too small or turned away, and a few
        // people look alike above the FMR-1e-3 threshold: enrollment rightly refuses them (each reason is
        // tested in DecisionsIT).
        skipped++;
        assertTrue(skipped <= 5, "too many enrollments refused: " + face);
        assertEquals(204, http.delete("/api/v1/subjects/" + id).status());
        continue;
      }
      assertEquals(201, face.status(), face.toString());
      assertNotNull(face.json().getString("id"));
      // the probe: another image of the person in which only one face is found, so "largest" is that person
      Path probe = images.subList(1, images.size()).stream()
          .filter(p -> http.postFile("/api/v1/detect", read(p)).json().getJsonArray("faces").size() == 1)
          .findFirst().orElse(null);
      if (probe == null) {
        assertEquals(204, http.delete("/api/v1/subjects/" + id).status());
        continue;
      }
      enrolled.put(id, new Path[] {images.get(0), probe});
      names.put(id, name);
    }
    assertEquals(IDENTITIES, enrolled.size());
    System.out.printf("[%s] enrolled %d identities (%d refused: several faces, the quality gate or a look-alike)%n", profile, enrolled.size(), skipped);
    Http.Res list = http.get("/api/v1/subjects?size=100");
    assertEquals(200, list.status());
    assertEquals(IDENTITIES, list.json().getLong("total"));
    Http.Res status = http.get("/api/v1/index/status");
    assertEquals(200, status.status());
    JsonArray cols = status.json().getJsonArray("collections");
    assertEquals(IDENTITIES, cols.getJsonObject(0).getInteger("size"));
  }

  @Test
  @Order(3)
  @DisplayName("identifies another image of each enrolled identity as that subject")
  void identifiesEnrolledPeople() {
    int correct = 0;
    int rank1 = 0;
    for (Map.Entry<String, Path[]> e : enrolled.entrySet()) {
      JsonObject face = identifyLargest(e.getValue()[1]);
      if (e.getKey().equals(face.getJsonArray("candidates").getJsonObject(0).getString("subjectId"))) {
        rank1++;
      }
      if ("match".equals(face.getString("decision")) && e.getKey().equals(face.getJsonObject("subject").getString("id"))) {
        correct++;
      } else {
        System.out.printf("[%s] not identified: %s -> %s%n", profile, e.getValue()[1].getFileName(), face.encode());
      }
      if ("match".equals(face.getString("decision"))) {
        assertEquals(e.getKey(), face.getJsonObject("subject").getString("id"), "a match names the right person");
      }
    }
    System.out.printf("[%s] identify: rank 1 right for %d/%d, matched above the threshold %d/%d%n",
        profile, rank1, enrolled.size(), correct, enrolled.size());
    // Calibration on LFW (docs/accuracy.md): rank-1 over 1052 identities 96.6-97.4 %, so one rank-1 miss in
    // 15 happens; the 1:N threshold (false-positive identification rate 1e-2) rejects about 10 % of
    // genuine single-image probes (FNIR 10.2-10.5 %; ORL's low-resolution grey faces: 17 of 243, 7 %): 1-2 of 15.
    // Five or more points to a defect.
    assertTrue(rank1 >= enrolled.size() - 1, rank1 + "/" + enrolled.size());
    assertTrue(correct >= enrolled.size() - 4, correct + "/" + enrolled.size());
  }

  JsonObject identifyLargest(Path image) {
    Http.Res r = http.postFile("/api/v1/identify?largestOnly=true&limit=3", read(image));
    assertEquals(200, r.status(), r.toString());
    JsonObject body = r.json();
    assertEquals(profile, body.getString("profile"));
    assertNotNull(body.getDouble("threshold"));
    JsonArray faces = body.getJsonArray("faces");
    assertEquals(1, faces.size());
    return faces.getJsonObject(0);
  }

  @Test
  @Order(4)
  @DisplayName("answers unknown for people never enrolled")
  void strangersAreUnknown() throws IOException {
    List<Path> strangers = new ArrayList<>();
    for (List<Path> images : TestData.people(1)) {
      if (!names.containsValue(TestData.personOf(images.get(0)))) {
        strangers.add(images.get(0));
      }
    }
    assertTrue(strangers.size() >= 10, "fixtures: " + strangers.size() + " people left to be strangers");
    int unknown = 0;
    for (Path p : strangers) {
      JsonObject face = identifyLargest(p);
      if ("unknown".equals(face.getString("decision"))) {
        unknown++;
        assertEquals(null, face.getValue("subject"));
      } else {
        System.out.printf("[%s] stranger matched: %s -> %s%n", profile, p.getFileName(), face.encode());
      }
    }
    System.out.printf("[%s] strangers: %d/%d answered unknown%n", profile, unknown, strangers.size());
    // Identify's default threshold is sized to the gallery so that 1 % of strangers pass (docs/accuracy.md):
    // about 0.2 of these. One is tolerated; a broken decision rule fails.
    assertTrue(unknown >= strangers.size() - 1, unknown + "/" + strangers.size());
  }

  @Test
  @Order(5)
  @DisplayName("verifies same-person pairs as a match and different people as no match")
  void verifiesPairs() {
    List<Path[]> pairs = new ArrayList<>(enrolled.values());
    for (int i = 0; i < 5; i++) {
      Map<String, byte[]> same = new LinkedHashMap<>();
      same.put("file1", read(pairs.get(i)[0]));
      same.put("file2", read(pairs.get(i)[1]));
      Http.Res r = http.postFiles("/api/v1/verify", same);
      assertEquals(200, r.status(), r.toString());
      assertTrue(r.json().getBoolean("match"), "same person: " + r);
      Map<String, byte[]> diff = new LinkedHashMap<>();
      diff.put("file1", read(pairs.get(i)[0]));
      diff.put("file2", read(pairs.get(i + 5)[1]));
      Http.Res d = http.postFiles("/api/v1/verify", diff);
      assertEquals(200, d.status(), d.toString());
      assertEquals(false, d.json().getBoolean("match"), "different people: " + d);
      assertTrue(r.json().getDouble("similarity") > d.json().getDouble("similarity"));
    }
  }

  @Test
  @Order(6)
  @DisplayName("a deleted subject disappears from identify at once")
  void deletedSubjectLeavesIdentify() {
    String id = enrolled.keySet().iterator().next();
    Path probe = enrolled.get(id)[1];
    assertEquals(204, http.delete("/api/v1/subjects/" + id).status());
    enrolled.remove(id);
    JsonObject face = identifyLargest(probe);
    for (Object c : face.getJsonArray("candidates")) {
      assertTrue(!id.equals(((JsonObject) c).getString("subjectId")), "deleted subject still a candidate");
    }
    assertEquals(404, http.get("/api/v1/subjects/" + id).status());
  }

  @Test
  @Order(7)
  @DisplayName("after a restart the gallery and the index are intact")
  void restartKeepsGallery() {
    for (Map.Entry<String, Path[]> e : enrolled.entrySet()) {
      answers.put(e.getKey(), identifyLargest(e.getValue()[1]));
    }
    service.close();
    startService();
    Http.Res list = http.get("/api/v1/subjects?size=100");
    assertEquals(IDENTITIES - 1, list.json().getLong("total"));
    for (Map.Entry<String, Path[]> e : enrolled.entrySet()) {
      JsonObject before = answers.get(e.getKey());
      JsonObject after = identifyLargest(e.getValue()[1]);
      assertEquals(before.getString("decision"), after.getString("decision"), e.getKey());
      assertEquals(before.getJsonArray("candidates").getJsonObject(0).getString("subjectId"),
          after.getJsonArray("candidates").getJsonObject(0).getString("subjectId"));
      assertEquals(before.getDouble("similarity"), after.getDouble("similarity"), 1e-4, "same answer after the restart");
    }
    JsonObject index = http.get("/api/v1/index/status").json();
    assertEquals(IDENTITIES - 1, index.getJsonArray("collections").getJsonObject(0).getInteger("size"));
    assertEquals("catch-up", index.getJsonObject("startup").getString("mode"), "the index was loaded from its snapshots: " + index.getJsonObject("startup"));
    JsonArray shards = index.getJsonArray("shards");
    assertTrue(shards.stream().anyMatch(o -> ((JsonObject) o).getInteger("size") > 0), shards.encode());
    for (Object o : shards) { // every shard holding faces was loaded from its snapshot (an empty one may have none)
      JsonObject shard = (JsonObject) o;
      assertTrue(shard.getInteger("size") == 0 || shard.getString("snapshotAt") != null, "not from a snapshot: " + shard.encode());
    }
  }

  @Test
  @Order(8)
  @DisplayName("detect returns boxes, 5 landmarks and scores")
  void detectsFaces() {
    Http.Res r = http.postFile("/api/v1/detect", read(TestData.faces().resolve("groups/faceapi_bbt4.jpg")));
    assertEquals(200, r.status(), r.toString());
    JsonObject body = r.json();
    assertEquals(710, body.getInteger("width"));
    assertEquals(473, body.getInteger("height"));
    JsonArray faces = body.getJsonArray("faces");
    assertTrue(faces.size() >= 5 && faces.size() <= 7, "bbt4 has 6 faces: " + faces.size());
    JsonObject f = faces.getJsonObject(0);
    assertEquals(5, f.getJsonArray("landmarks").size());
    assertTrue(f.getJsonObject("box").getInteger("width") > 10);
    // raw body works as well as multipart
    Http.Res raw = http.postRaw("/api/v1/detect", "image/jpeg", read(TestData.faces().resolve("groups/faceapi_bbt4.jpg")));
    assertEquals(faces.size(), raw.json().getJsonArray("faces").size());
  }

  @Test
  @Order(9)
  @DisplayName("subjects can be renamed, listed by collection and their faces managed")
  void subjectLifecycle() {
    Http.Res created = http.postJson("/api/v1/subjects", "{\"name\":\"Robert'); DROP TABLE subjects;--\",\"collection\":\"staff\",\"metadata\":{\"badge\":\"' OR 1=1 --\"}}");
    assertEquals(201, created.status(), created.toString());
    String id = created.json().getString("id");
    assertEquals("staff", created.json().getString("collection"));
    assertEquals("Robert'); DROP TABLE subjects;--", http.get("/api/v1/subjects/" + id).json().getString("name"));
    Http.Res patched = http.patchJson("/api/v1/subjects/" + id, "{\"name\":\"Bobby\"}");
    assertEquals(200, patched.status(), patched.toString());
    assertEquals("Bobby", patched.json().getString("name"));
    assertEquals("' OR 1=1 --", patched.json().getJsonObject("metadata").getString("badge"));
    assertEquals(1, http.get("/api/v1/subjects?collection=staff").json().getLong("total"));
    Path img = enrolled.values().iterator().next()[0];
    Http.Res face = http.postRaw("/api/v1/subjects/" + id + "/faces", "image/jpeg", read(img));
    assertEquals(201, face.status(), face.toString());
    String faceId = face.json().getString("id");
    assertEquals(1, http.get("/api/v1/subjects/" + id + "/faces").json().getJsonArray("items").size());
    assertEquals(1, http.get("/api/v1/subjects/" + id).json().getInteger("faceCount"));
    // the staff collection is searched on its own
    Http.Res r = http.postFile("/api/v1/identify?collection=staff&largestOnly=true", read(img));
    assertEquals(id, r.json().getJsonArray("faces").getJsonObject(0).getJsonObject("subject").getString("id"));
    assertEquals(204, http.delete("/api/v1/subjects/" + id + "/faces/" + faceId).status());
    assertEquals(404, http.delete("/api/v1/subjects/" + id + "/faces/" + faceId).status());
    Http.Res after = http.postFile("/api/v1/identify?collection=staff&largestOnly=true", read(img));
    assertEquals("unknown", after.json().getJsonArray("faces").getJsonObject(0).getString("decision"));
    assertEquals(204, http.delete("/api/v1/subjects/" + id).status());
  }

  @Test
  @Order(10)
  @DisplayName("every client error has its code and status")
  void errorsHaveCodes() throws IOException {
    byte[] jpeg = read(TestData.people(2).get(0).get(0));
    String someId = http.postJson("/api/v1/subjects", "{\"name\":\"errors\"}").json().getString("id");
    expect(http.postRaw("/api/v1/detect", "image/jpeg", "hello, not an image".getBytes()), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(http.postRaw("/api/v1/detect", "text/plain", jpeg), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(http.postRaw("/api/v1/detect", "image/jpeg", java.util.Arrays.copyOf(jpeg, jpeg.length / 2)), 400, "IMAGE_CORRUPT");
    expect(http.postFile("/api/v1/detect", Images.pngHeader(20_000, 100)), 413, "IMAGE_TOO_LARGE");
    expect(http.postFile("/api/v1/detect", Images.pngHeader(10_000, 10_000)), 413, "IMAGE_TOO_MANY_PIXELS");
    Http.Res couple = http.postFile("/api/v1/detect", read(TestData.faces().resolve("groups/deepface_couple.jpg")));
    assertEquals(200, couple.status(), "a photo over the processing size is processed, not refused: " + couple);
    assertEquals(2280, couple.json().getInteger("width"), "and reported at its own size");
    expect(http.postRaw("/api/v1/detect", "image/jpeg", new byte[4 << 20]), 413, "BODY_TOO_LARGE");
    expect(http.postFile("/api/v1/identify", Images.blankPng(400, 300)), 422, "NO_FACE");
    expect(http.postFile("/api/v1/subjects/" + someId + "/faces", read(TestData.faces().resolve("groups/faceapi_bbt4.jpg"))), 422, "MULTIPLE_FACES");
    expect(http.get("/api/v1/subjects/" + UUID.randomUUID()), 404, "SUBJECT_NOT_FOUND");
    expect(http.get("/api/v1/subjects/not-a-uuid"), 404, "SUBJECT_NOT_FOUND");
    expect(http.delete("/api/v1/subjects/" + someId + "/faces/" + UUID.randomUUID()), 404, "FACE_NOT_FOUND");
    expect(http.postJson("/api/v1/subjects", "{\"name\": "), 400, "MALFORMED_JSON");
    expect(http.postJson("/api/v1/subjects", "{\"name\": 42}"), 400, "INVALID_REQUEST");
    expect(http.get("/api/v1/subjects?size=100000"), 400, "INVALID_REQUEST");
    expect(http.postFiles("/api/v1/verify", Map.of("file1", jpeg)), 400, "MISSING_IMAGE");
    expect(http.get("/api/v1/nothing-here"), 404, "NOT_FOUND");
  }

  @Test
  @Order(11)
  @DisplayName("the OpenAPI document and Swagger UI are served")
  void servesApiDocs() {
    Http.Res spec = http.get("/api/v1/openapi.yaml");
    assertEquals(200, spec.status());
    assertTrue(spec.body().startsWith("openapi: 3"));
    assertTrue(spec.body().contains("/subjects/{id}/faces"));
    Http.Res ui = http.get("/docs/");
    assertEquals(200, ui.status(), ui.toString());
    assertTrue(ui.body().contains("swagger-ui"));
    assertEquals(200, http.get("/docs/swagger-initializer.js").status());
  }

  @Test
  @Order(12)
  @DisplayName("an operator's index rebuild (an event-bus admin command) rebuilds from the database and answers the same")
  void adminRebuildsIndex() {
    Map.Entry<String, Path[]> some = enrolled.entrySet().iterator().next();
    JsonObject before = identifyLargest(some.getValue()[1]);
    Http.Res r = http.send("POST", "/api/v1/admin/index/rebuild", "{}");
    assertEquals(200, r.status(), r.toString());
    JsonObject rebuilt = r.json().getJsonArray("rebuilt").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("collection").equals("default")).findFirst().orElseThrow();
    assertEquals(enrolled.size(), rebuilt.getInteger("size"));
    JsonObject after = identifyLargest(some.getValue()[1]);
    assertEquals(before.getDouble("similarity"), after.getDouble("similarity"), 1e-4);
  }

  @Test
  @Order(13)
  @DisplayName("enrollment takes the subject's face from a photo with a small bystander, and says so; two people stay refused")
  void enrollmentIgnoresASmallBystander() throws IOException {
    java.awt.image.BufferedImage portrait = javax.imageio.ImageIO.read(TestData.faces().resolve("face_recognition_examples/Barack_Obama/1.jpg").toFile());
    java.awt.image.BufferedImage other = javax.imageio.ImageIO.read(TestData.faces().resolve("face_recognition_examples/Joe_Biden/1.jpg").toFile());
    // Another person, small, in the corner of the portrait: a bystander in the background.
    byte[] withBystander = compose(portrait, other, 0.28);
    JsonArray found = http.postFile("/api/v1/detect", withBystander).json().getJsonArray("faces");
    assertEquals(2, found.size(), "the composed photo holds two faces: " + found.encode());
    String id = http.postJson("/api/v1/subjects", "{\"name\":\"Barack Obama\",\"collection\":\"bystanders\"}").json().getString("id");
    Http.Res enrolled = http.postFile("/api/v1/subjects/" + id + "/faces", withBystander);
    assertEquals(201, enrolled.status(), enrolled.toString());
    assertEquals(2, enrolled.json().getInteger("facesInImage"), enrolled.toString());
    JsonObject box = enrolled.json().getJsonObject("box");
    assertTrue(box.getDouble("width") > portrait.getWidth() / 5.0, "the stored face is the subject's, not the bystander's: " + box);
    // The stored face is Obama's: another photo of him is identified as this subject.
    Http.Res who = http.postFile("/api/v1/identify?collection=bystanders&largestOnly=true",
        read(TestData.faces().resolve("face_recognition_examples/Barack_Obama/2.jpg")));
    assertEquals(200, who.status(), who.toString());
    JsonObject face = who.json().getJsonArray("faces").getJsonObject(0);
    assertEquals("match", face.getString("decision"), who.toString());
    assertEquals(id, face.getJsonObject("subject").getString("id"), who.toString());
    // Two people of similar size: who is the subject? Refused.
    Http.Res two = http.postFile("/api/v1/subjects/" + id + "/faces", compose(portrait, other, 0.9));
    expect(two, 422, "MULTIPLE_FACES");
    System.out.printf("[%s] bystander: enrolled with box %s of %d faces; two people: %s%n", profile, box.encode(),
        enrolled.json().getInteger("facesInImage"), two.json().getJsonObject("error").getString("message"));
  }

  @Test
  @Order(14)
  @DisplayName("a subject with several faces is identified by their centroid, and its collection's threshold counts it as such")
  void identifiesByTheCentroidOfASubjectsFaces() throws IOException {
    String id = http.postJson("/api/v1/subjects", "{\"name\":\"s1\",\"collection\":\"centroid\"}").json().getString("id");
    // Three faces of one person (a photo the quality gate refuses for its pose is skipped), a fourth as the probe.
    int enrolledFaces = 0;
    byte[] probe = null;
    try (java.util.stream.Stream<Path> files = Files.list(TestData.faces().resolve("orl/s1"))) {
      for (Path img : files.sorted().toList()) {
        if (enrolledFaces == 3) {
          probe = read(img);
          break;
        }
        Http.Res r = http.postFile("/api/v1/subjects/" + id + "/faces", read(img));
        if (r.status() == 422 && r.body().contains("FACE_POSE")) {
          continue;
        }
        assertEquals(201, r.status(), r.toString());
        assertEquals(++enrolledFaces, r.json().getInteger("subjectFaceCount"), r.toString());
      }
    }
    assertNotNull(probe, "orl/s1 has too few usable photos");
    String other = http.postJson("/api/v1/subjects", "{\"name\":\"s2\",\"collection\":\"centroid\"}").json().getString("id");
    assertEquals(201, http.postFile("/api/v1/subjects/" + other + "/faces", read(TestData.faces().resolve("orl/s2/1.png"))).status());
    Http.Res who = http.postFile("/api/v1/identify?collection=centroid&largestOnly=true&limit=2", probe);
    assertEquals(200, who.status(), who.toString());
    assertEquals("centroid", who.json().getString("subjectScore"), who.toString());
    assertTrue(who.json().getString("thresholdSource").contains("for 2 subjects (1 scored by the centroid of several faces)"), who.toString());
    JsonObject face = who.json().getJsonArray("faces").getJsonObject(0);
    JsonObject top = face.getJsonArray("candidates").getJsonObject(0);
    assertEquals(id, top.getString("subjectId"), who.toString());

    // The expected score, from the stored embeddings: the probe's (enrolled in a scratch collection) against the
    // unit-length mean of the subject's three.
    String scratch = http.postJson("/api/v1/subjects", "{\"name\":\"probe\",\"collection\":\"centroid-probe\"}").json().getString("id");
    assertEquals(201, http.postFile("/api/v1/subjects/" + scratch + "/faces", probe).status());
    float[] p = exported("centroid-probe").get(0);
    List<float[]> mine = exported("centroid", id);
    assertEquals(3, mine.size());
    float[] c = new float[p.length];
    double best = -1;
    for (float[] f : mine) {
      for (int i = 0; i < c.length; i++) {
        c[i] += f[i] / norm(f);
      }
      best = Math.max(best, dot(p, f) / (norm(p) * norm(f)));
    }
    double centroid = dot(p, c) / (norm(p) * norm(c));
    assertTrue(Math.abs(centroid - best) > 0.002, "the data cannot tell the rules apart: centroid " + centroid + ", best " + best);
    assertEquals(centroid, top.getDouble("similarity"), 2e-3, who.toString());
    JsonObject settings = http.get("/api/v1/collections/centroid/settings").json();
    assertEquals(2, settings.getInteger("subjects"), settings.encode());
    assertEquals(1, settings.getInteger("subjectsWithSeveralFaces"), settings.encode());
    System.out.printf("[%s] centroid: subject score %.4f (centroid %.4f, best face %.4f), threshold %.4f%n", profile,
        top.getDouble("similarity"), centroid, best, who.json().getDouble("threshold"));
    for (String s : List.of(id, other, scratch)) {
      assertEquals(204, http.delete("/api/v1/subjects/" + s).status());
    }
  }

  /** The embeddings of a collection's faces (of one subject when given), from the admin export. */
  List<float[]> exported(String collection, String... subject) {
    Http.Res r = http.get("/api/v1/collections/" + collection + "/embeddings");
    assertEquals(200, r.status(), r.toString());
    List<float[]> out = new java.util.ArrayList<>();
    for (String line : r.body().split("\n")) {
      JsonObject j = new JsonObject(line);
      if (!j.containsKey("embedding") || subject.length > 0 && !subject[0].equals(j.getString("subjectId"))) {
        continue;
      }
      java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(j.getString("embedding")))
          .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      float[] v = new float[fb.remaining()];
      fb.get(v);
      out.add(v);
    }
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static double norm(float[] a) {
    return Math.sqrt(dot(a, a));
  }

  /** {@code base} with {@code other}, scaled to {@code scale} of base's height, pasted at its top left; a JPEG. */
  static byte[] compose(java.awt.image.BufferedImage base, java.awt.image.BufferedImage other, double scale) throws IOException {
    int h = (int) (base.getHeight() * scale);
    int w = other.getWidth() * h / other.getHeight();
    java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(base.getWidth() + (scale > 0.5 ? w : 0), base.getHeight(),
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    // A small bystander goes in the corner; a person of similar size stands beside the subject.
    g.drawImage(base, scale > 0.5 ? w : 0, 0, null);
    g.drawImage(other, 0, 0, w, h, null);
    g.dispose();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(out, "jpg", bytes);
    return bytes.toByteArray();
  }

  static void expect(Http.Res r, int status, String code) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.errorCode(), r.toString());
    assertNotNull(r.json().getJsonObject("error").getString("requestId"));
    assertTrue(!r.body().contains("at dev.facerec") && !r.body().contains("Exception"), "no stack trace: " + r.body());
  }
}
