package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A profile can switch 68-point landmark refinement on by default")
class ProfileRefinementTest {
  private static final ModelManifest MANIFEST = ModelManifest.load(Path.of("models"));

  @Test
  @DisplayName("yunet-mobilefacenet refines YuNet's landmarks with faceplugin-landmark68, and installs that model")
  void yunetProfileRefinesByDefault() {
    ProfileSpec p = MANIFEST.profile("yunet-mobilefacenet");
    assertTrue(p.refineLandmarks());
    assertEquals("faceplugin-landmark68", p.landmarks());
    assertTrue(MANIFEST.modelsOf("yunet-mobilefacenet").stream().anyMatch(m -> m.id().equals("faceplugin-landmark68")));
    assertFalse(MANIFEST.withProfile(p.withRefineLandmarks(false)).profile("yunet-mobilefacenet").refineLandmarks());
  }

  @Test
  @DisplayName("refineLandmarks without a landmarks model is a manifest error")
  void refinementNeedsALandmarkModel() {
    JsonObject json = new JsonObject("""
        {"models": [], "profiles": [{"id": "p", "detector": null, "recognizer": null, "threshold": 0.3,
          "refineLandmarks": true}]}
        """);
    ModelException e = assertThrows(ModelException.class, () -> ModelManifest.parse(json));
    assertTrue(e.getMessage().contains("sets refineLandmarks but names no landmarks model"), e.getMessage());
  }
}
