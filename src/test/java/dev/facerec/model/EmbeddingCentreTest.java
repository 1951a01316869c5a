package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The embedding centre: fitted as a mean of unit vectors, applied as subtract-and-renormalise, named by a tag")
class EmbeddingCentreTest {

  private static float[] unit(float... v) {
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  @DisplayName("the mean normalises each input first, and applying it gives the unit vector of (e - mean)")
  void meanAndApply() {
    float[] m = EmbeddingCentre.mean(List.of(new float[] {2, 0, 0}, new float[] {0, 3, 0}));
    assertArrayEquals(new float[] {0.5f, 0.5f, 0}, m, 1e-7f, "raw lengths do not weigh: each counts as a unit vector");
    EmbeddingCentre c = new EmbeddingCentre(new float[] {0.2f, 0, 0}, "test");
    float[] e = unit(0.6f, 0.8f, 0);
    float[] out = c.applied(e);
    assertArrayEquals(unit(0.4f, 0.8f, 0), out, 1e-6f);
    assertArrayEquals(unit(0.6f, 0.8f, 0), e, 1e-7f, "applied() leaves its input alone");
    assertEquals(1.0, Math.sqrt(dot(out, out)), 1e-6);
  }

  @Test
  @DisplayName("a shared component inflates strangers' cosines; centring removes it")
  void centringLowersImpostorScores() {
    // 400 'people' in 32-d: a common direction plus an independent random part each, the way one recognizer's
    // embeddings of different faces share a component.
    Random rnd = new Random(7);
    float[] common = new float[32];
    common[0] = 1;
    List<float[]> faces = new ArrayList<>();
    for (int p = 0; p < 400; p++) {
      float[] v = new float[32];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (rnd.nextGaussian() * 0.18) + 0.5f * common[i];
      }
      faces.add(unit(v));
    }
    EmbeddingCentre c = new EmbeddingCentre(EmbeddingCentre.mean(faces), "synthetic");
    double before = 0;
    double after = 0;
    int n = 0;
    for (int i = 0; i < faces.size(); i += 2) {
      before += dot(faces.get(i), faces.get(i + 1));
      after += dot(c.applied(faces.get(i)), c.applied(faces.get(i + 1)));
      n++;
    }
    assertTrue(before / n > 0.15, "strangers share the common direction: mean cosine " + before / n);
    assertEquals(0, after / n, 0.05, "centred, strangers are about orthogonal");
  }

  @Test
  @DisplayName("a centre that is not a mean of unit vectors, or not finite, is refused")
  void refusesBadVectors() {
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingCentre(new float[] {0.95f, 0}, ""));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingCentre(new float[] {Float.NaN, 0}, ""));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingCentre(new float[0], ""));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingCentre(new float[] {0.1f, 0}, "").applied(new float[3]));
    assertThrows(IllegalArgumentException.class, () -> EmbeddingCentre.mean(List.of()));
  }

  @Test
  @DisplayName("the embedding space is the recognizer id, marked with a tag that changes with the vector")
  void modelIds() {
    EmbeddingCentre a = new EmbeddingCentre(new float[] {0.1f, 0.2f}, "");
    EmbeddingCentre b = new EmbeddingCentre(new float[] {0.1f, 0.2000001f}, "");
    assertEquals("mobilefacenet-128", EmbeddingCentre.modelId("mobilefacenet-128", null));
    assertTrue(EmbeddingCentre.modelId("mobilefacenet-128", a).matches("mobilefacenet-128\\+centre-[0-9a-f]{8}"));
    assertEquals(a.tag(), new EmbeddingCentre(new float[] {0.1f, 0.2f}, "other words").tag(), "the source text is not part of it");
    assertNotEquals(a.tag(), b.tag());
  }

  private static JsonObject input() {
    return new JsonObject().put("width", 112).put("height", 112).put("channels", "RGB")
        .put("mean", new JsonArray().add(127.5).add(127.5).add(127.5)).put("std", new JsonArray().add(128).add(128).add(128));
  }

  private static JsonObject manifest(JsonArray centre) {
    JsonObject p = new JsonObject().put("id", "p").put("detector", "d").put("recognizer", "r").put("threshold", 0.3);
    if (centre != null) {
      p.put("embeddingCentre", new JsonObject().put("vector", centre).put("source", "fitted on half A"));
    }
    return new JsonObject()
        .put("models", new JsonArray()
            .add(new JsonObject().put("id", "d").put("kind", "detector").put("engine", "yunet").put("file", "d.onnx").put("input", input()))
            .add(new JsonObject().put("id", "r").put("kind", "recognizer").put("engine", "arcface").put("file", "r.onnx")
                .put("input", input()).put("outputDimension", 3)))
        .put("profiles", new JsonArray().add(p));
  }

  @Test
  @DisplayName("the manifest's embeddingCentre is read into the profile; a wrong length or a bad vector is a manifest error")
  void manifestField() {
    ProfileSpec p = ModelManifest.parse(manifest(new JsonArray().add(0.1).add(-0.2).add(0.05))).profile("p");
    assertArrayEquals(new float[] {0.1f, -0.2f, 0.05f}, p.centre().vector(), 1e-7f);
    assertEquals("fitted on half A", p.centre().source());
    assertEquals("r+centre-" + p.centre().tag(), p.embeddingModel());
    ProfileSpec none = ModelManifest.parse(manifest(null)).profile("p");
    assertNull(none.centre());
    assertEquals("r", none.embeddingModel());
    assertEquals(p.embeddingModel(), none.withCentre(p.centre()).embeddingModel());
    ModelException wrongLength = assertThrows(ModelException.class,
        () -> ModelManifest.parse(manifest(new JsonArray().add(0.1).add(0.1))));
    assertTrue(wrongLength.getMessage().contains("2 values, recognizer r outputs 3"), wrongLength.getMessage());
    assertThrows(ModelException.class, () -> ModelManifest.parse(manifest(new JsonArray().add(0.99).add(0).add(0))));
    assertThrows(ModelException.class, () -> ModelManifest.parse(manifest(new JsonArray())));
  }
}
