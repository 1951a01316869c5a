package dev.facerec.api;

import dev.facerec.security.ApiKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.model.ProfileSpec;
import dev.facerec.model.ThresholdPolicy;
import dev.facerec.recognition.OpenSetThreshold;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Decisions on the real fixture faces: the enrollment quality gate's reasons, the duplicate-identity check,
 * thresholds from target rates (targetFpir for identify, targetFmr for verify), the minimum margin, and the consistency check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionsIT {
  private static final String ADMIN_KEY = ApiKeys.generate();
  private static final String PROFILE = "faceplugin";
  private final String schema = TestNode.schema("decisions");
  private Service service;
  private Http http;
  private List<List<Path>> people;

  @BeforeAll
  void start() throws Exception {
    dev.facerec.image.OpenCv.load();
    Map<String, String> env = TestNode.env(PROFILE, TestData.modelsDir(PROFILE), Files.createTempDirectory("decisions"), schema, ADMIN_KEY);
    service = Service.start(ConfigLoader.load(env));
    http = new Http(service.port(), ADMIN_KEY);
    // Some photos show a second person, or faces too small or blurred; enrollment rightly refuses
    // those, so these tests use people with at least three images that a scratch subject accepts.
    people = new java.util.ArrayList<>();
    String scratch = subject("scratch", "scratch");
    for (List<Path> person : TestData.people(3)) {
      List<Path> usable = person.stream()
          .filter(p -> http.postFile("/api/v1/subjects/" + scratch + "/faces?allowDuplicate=true", read(p)).status() == 201).toList();
      if (usable.size() >= 3) {
        people.add(usable);
      }
      if (people.size() == 6) {
        break;
      }
    }
    assertEquals(204, http.delete("/api/v1/subjects/" + scratch).status());
  }

  @AfterAll
  void stop() throws Exception {
    service.close();
    TestNode.dropSchema(schema);
  }

  private String subject(String name, String collection) {
    Http.Res r = http.postJson("/api/v1/subjects", new JsonObject().put("name", name).put("collection", collection).encode());
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("id");
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] png(Mat m) {
    MatOfByte out = new MatOfByte();
    Imgcodecs.imencode(".png", m, out);
    return out.toArray();
  }

  private static Mat load(Path p) {
    return Imgcodecs.imread(p.toString());
  }

  @Test
  @DisplayName("the quality gate refuses blurred, small and strongly rotated faces, each with its own code")
  void qualityGateReasons() {
    String id = subject("quality", "quality");
    Path img = people.get(0).get(0);
    Mat src = load(img);

    JsonObject box = http.postFile("/api/v1/detect", read(img)).json().getJsonArray("faces").getJsonObject(0).getJsonObject("box");
    double faceSize = Math.min(box.getDouble("width"), box.getDouble("height"));
    Mat blurred = new Mat();
    // sharpness is measured on the face aligned to 112 px: a blur of sigma 4 at that scale, whatever the photo's size
    Imgproc.GaussianBlur(src, blurred, new Size(0, 0), 4.0 * Math.max(1.0, faceSize / 112.0));
    ApiTestBase.expect(http.postFile("/api/v1/subjects/" + id + "/faces", png(blurred)), 422, "FACE_BLURRED");

    Mat small = new Mat();
    // scaled so that the face is about 30 px, below QUALITY_MIN_FACE_SIZE (40)
    double scale = 30.0 / faceSize;
    Imgproc.resize(src, small, new Size(src.cols() * scale, src.rows() * scale), 0, 0, Imgproc.INTER_AREA);
    ApiTestBase.expect(http.postFile("/api/v1/subjects/" + id + "/faces", png(small)), 422, "FACE_TOO_SMALL");

    Mat rotated = new Mat();
    Mat rot = Imgproc.getRotationMatrix2D(new Point(src.cols() / 2.0, src.rows() / 2.0), 45, 1.0);
    Imgproc.warpAffine(src, rotated, rot, src.size());
    ApiTestBase.expect(http.postFile("/api/v1/subjects/" + id + "/faces", png(rotated)), 422, "FACE_POSE");

    Http.Res ok = http.postFile("/api/v1/subjects/" + id + "/faces", read(img));
    assertEquals(201, ok.status(), ok.toString());
    JsonObject q = ok.json().getJsonObject("quality");
    assertTrue(q.getDouble("sharpness") > 20 && Math.abs(q.getDouble("roll")) < 30, q.encode());
  }

  @Test
  @DisplayName("enrolling a face that matches another subject gives 409 with that subject's id, unless allowed")
  void duplicateIdentity() {
    List<Path> person = people.get(1);
    String first = subject("first", "dup");
    assertEquals(201, http.postFile("/api/v1/subjects/" + first + "/faces", read(person.get(0))).status());
    String second = subject("second", "dup");
    // the same photo enrolled again under another name: the case the check exists for
    Http.Res dup = http.postFile("/api/v1/subjects/" + second + "/faces", read(person.get(0)));
    ApiTestBase.expect(dup, 409, "DUPLICATE_IDENTITY");
    assertEquals(first, dup.json().getJsonObject("error").getJsonObject("details").getString("subjectId"));
    // the same subject may have several faces
    assertEquals(201, http.postFile("/api/v1/subjects/" + first + "/faces", read(person.get(2))).status());
    assertEquals(201, http.postFile("/api/v1/subjects/" + second + "/faces?allowDuplicate=true", read(person.get(0))).status());
  }

  @Test
  @DisplayName("identify takes targetFpir, sized to the collection and never looser than the default; targetFmr is refused for identify and kept for verify")
  void targetRatesAndThresholds() {
    List<Path> person = people.get(2);
    String id = subject("fmr", "fmr");
    assertEquals(201, http.postFile("/api/v1/subjects/" + id + "/faces", read(person.get(0))).status());
    ProfileSpec spec = TestData.manifest().profile(PROFILE);
    OpenSetThreshold sized = new OpenSetThreshold(spec.impostorTail());

    JsonObject dflt = http.postFile("/api/v1/identify?collection=fmr&largestOnly=true", read(person.get(1))).json();
    assertEquals(sized.threshold(1, 1e-2), dflt.getDouble("threshold"), 1e-4);
    assertTrue(dflt.getString("thresholdSource").startsWith("default targetFpir=1e-02 for 1 subjects"), dflt.getString("thresholdSource"));
    JsonObject byFpir = http.postFile("/api/v1/identify?collection=fmr&largestOnly=true&targetFpir=0.001", read(person.get(1))).json();
    // The bug this catches: a stricter rate must never give identify a looser threshold than its default.
    assertTrue(byFpir.getDouble("threshold") >= dflt.getDouble("threshold"), byFpir.encode());
    assertEquals(sized.threshold(1, 1e-3), byFpir.getDouble("threshold"), 1e-4);
    assertTrue(byFpir.getString("thresholdSource").startsWith("request targetFpir=1e-03"), byFpir.getString("thresholdSource"));
    assertEquals("match", byFpir.getJsonArray("faces").getJsonObject(0).getString("decision"));

    Http.Res fmrOnIdentify = http.postFile("/api/v1/identify?collection=fmr&targetFmr=0.001", read(person.get(1)));
    ApiTestBase.expect(fmrOnIdentify, 400, "TARGET_RATE_MISMATCH");
    assertTrue(fmrOnIdentify.json().getJsonObject("error").getString("message").contains("targetFpir"), fmrOnIdentify.toString());

    JsonObject strict = http.postFile("/api/v1/identify?collection=fmr&largestOnly=true&threshold=0.99", read(person.get(1))).json();
    JsonObject face = strict.getJsonArray("faces").getJsonObject(0);
    assertEquals("unknown", face.getString("decision"));
    assertEquals(null, face.getValue("subject"));
    assertEquals(id, face.getJsonArray("candidates").getJsonObject(0).getString("subjectId"), "still the best candidate");
    assertEquals("request threshold", strict.getString("thresholdSource"));

    ApiTestBase.expect(http.postFile("/api/v1/identify?targetFpir=0.5", read(person.get(1))), 400, "INVALID_REQUEST");
    ApiTestBase.expect(http.postFile("/api/v1/identify?threshold=0.3&targetFpir=0.001", read(person.get(1))), 400, "INVALID_REQUEST");

    // per collection
    Http.Res fmrSetting = http.send("PUT", "/api/v1/collections/fmr/settings", "{\"targetFmr\": 0.002}");
    ApiTestBase.expect(fmrSetting, 400, "TARGET_RATE_MISMATCH");
    assertTrue(fmrSetting.json().getJsonObject("error").getString("message").contains("targetFpir"), fmrSetting.toString());
    Http.Res put = http.send("PUT", "/api/v1/collections/fmr/settings", "{\"targetFpir\": 0.002}");
    assertEquals(200, put.status(), put.toString());
    assertEquals(sized.threshold(1, 2e-3), put.json().getDouble("effectiveThreshold"), 1e-4);
    JsonObject byCollection = http.postFile("/api/v1/identify?collection=fmr&largestOnly=true", read(person.get(1))).json();
    assertEquals(sized.threshold(1, 2e-3), byCollection.getDouble("threshold"), 1e-4);
    assertTrue(byCollection.getString("thresholdSource").startsWith("collection 'fmr' targetFpir"), byCollection.getString("thresholdSource"));

    // verify keeps its 1:1 rate, on the 1:1 curve
    JsonObject verify = http.postFiles("/api/v1/verify?targetFmr=0.01", Map.of("file1", read(person.get(0)), "file2", read(person.get(1)))).json();
    assertEquals(new ThresholdPolicy(spec).thresholdFor(1e-2), verify.getDouble("threshold"), 1e-4);
    assertTrue(verify.getString("thresholdSource").contains("targetFmr"), verify.getString("thresholdSource"));
    assertTrue(verify.getBoolean("match"));
    ApiTestBase.expect(http.postFiles("/api/v1/verify?targetFpir=0.01", Map.of("file1", read(person.get(0)), "file2", read(person.get(1)))),
        400, "TARGET_RATE_MISMATCH");
  }

  @Test
  @DisplayName("a minimum margin turns an ambiguous top match into unknown")
  void ambiguousMatchIsUnknown() {
    List<Path> person = people.get(3);
    String a = subject("a", "margin");
    String b = subject("b", "margin");
    assertEquals(201, http.postFile("/api/v1/subjects/" + a + "/faces", read(person.get(0))).status());
    assertEquals(201, http.postFile("/api/v1/subjects/" + b + "/faces?allowDuplicate=true", read(person.get(1))).status());
    JsonObject plain = http.postFile("/api/v1/identify?collection=margin&largestOnly=true", read(person.get(2))).json()
        .getJsonArray("faces").getJsonObject(0);
    assertEquals("match", plain.getString("decision"));
    assertNotNull(plain.getDouble("margin"));
    double margin = plain.getDouble("margin");
    JsonObject strict = http.postFile("/api/v1/identify?collection=margin&largestOnly=true&minMargin=" + Math.min(0.99, margin + 0.01),
        read(person.get(2))).json().getJsonArray("faces").getJsonObject(0);
    assertEquals("unknown", strict.getString("decision"));
    assertEquals("ambiguous", strict.getString("reason"));
  }

  @Test
  @DisplayName("the consistency check reports a face of another person as an outlier")
  void consistencyFindsOutlier() {
    List<Path> person = people.get(4);
    String id = subject("consistent", "consistency");
    assertEquals(201, http.postFile("/api/v1/subjects/" + id + "/faces", read(person.get(0))).status());
    assertEquals(201, http.postFile("/api/v1/subjects/" + id + "/faces", read(person.get(1))).status());
    assertEquals(201, http.postFile("/api/v1/subjects/" + id + "/faces", read(person.get(2))).status());
    JsonObject ok = http.get("/api/v1/subjects/" + id + "/consistency").json();
    assertTrue(ok.getBoolean("consistent"), ok.encode());
    Http.Res stranger = http.postFile("/api/v1/subjects/" + id + "/faces?allowDuplicate=true", read(people.get(5).get(0)));
    assertEquals(201, stranger.status(), stranger.toString());
    JsonObject report = http.get("/api/v1/subjects/" + id + "/consistency").json();
    assertEquals(false, report.getBoolean("consistent"));
    assertEquals(List.of(stranger.json().getString("id")), report.getJsonArray("outliers").getList());
  }
}
