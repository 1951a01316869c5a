package dev.facerec.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.embed.FaceAligner;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class QualityGateTest {
  private static final QualityGate GATE = new QualityGate(40, 0.8, 20, 50, 30, 45);

  private static FaceQuality q(float size, float score, double sharpness, double yaw, double roll, double pitch) {
    return new FaceQuality(size, score, sharpness, yaw, roll, pitch);
  }

  @Test
  @DisplayName("each limit refuses with its own code; a good face passes")
  void eachReasonHasItsCode() {
    GATE.check(q(80, 0.95f, 150, 10, 2, 5));
    assertEquals(Failure.FACE_TOO_SMALL, assertThrows(FaceException.class, () -> GATE.check(q(30, 0.95f, 150, 0, 0, 0))).failure());
    assertEquals(Failure.FACE_LOW_SCORE, assertThrows(FaceException.class, () -> GATE.check(q(80, 0.5f, 150, 0, 0, 0))).failure());
    assertEquals(Failure.FACE_BLURRED, assertThrows(FaceException.class, () -> GATE.check(q(80, 0.95f, 5, 0, 0, 0))).failure());
    assertEquals(Failure.FACE_POSE, assertThrows(FaceException.class, () -> GATE.check(q(80, 0.95f, 150, 70, 0, 0))).failure());
    assertEquals(Failure.FACE_POSE, assertThrows(FaceException.class, () -> GATE.check(q(80, 0.95f, 150, 0, -40, 0))).failure());
    assertEquals(Failure.FACE_POSE, assertThrows(FaceException.class, () -> GATE.check(q(80, 0.95f, 150, 0, 0, 60))).failure());
    FaceException e = assertThrows(FaceException.class, () -> GATE.check(q(80, 0.95f, 5, 0, 0, 0)));
    assertTrue(e.getMessage().contains("QUALITY_MIN_SHARPNESS"), "the message names the setting: " + e.getMessage());
  }

  @Test
  @DisplayName("pose from landmarks: the ArcFace template is frontal; rotating it gives its roll; shifting the nose gives yaw")
  void poseFromLandmarks() {
    float[][] frontal = FaceAligner.TEMPLATE;
    assertTrue(Math.abs(FaceQuality.roll(frontal)) < 1, "roll " + FaceQuality.roll(frontal));
    assertTrue(Math.abs(FaceQuality.yaw(frontal)) < 5, "yaw " + FaceQuality.yaw(frontal));
    assertTrue(Math.abs(FaceQuality.pitch(frontal)) < 10, "pitch " + FaceQuality.pitch(frontal));

    double a = Math.toRadians(40);
    float[][] rotated = new float[5][2];
    for (int i = 0; i < 5; i++) {
      float x = frontal[i][0] - 56;
      float y = frontal[i][1] - 56;
      rotated[i][0] = (float) (x * Math.cos(a) - y * Math.sin(a)) + 56;
      rotated[i][1] = (float) (x * Math.sin(a) + y * Math.cos(a)) + 56;
    }
    assertEquals(40, FaceQuality.roll(rotated), 0.5);
    assertTrue(Math.abs(FaceQuality.yaw(rotated)) < 5, "in-plane rotation is not yaw");

    float[][] turned = new float[5][];
    for (int i = 0; i < 5; i++) {
      turned[i] = frontal[i].clone();
    }
    turned[2][0] += 12; // nose towards one eye: head turned
    assertTrue(FaceQuality.yaw(turned) > 35, "yaw " + FaceQuality.yaw(turned));
  }
}
