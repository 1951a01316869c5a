package dev.facerec.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LandmarkOptionsTest {
  /** Point i at (i, 1000 + 2i): a mean of indices is readable straight off its x. */
  private static float[][] numbered() {
    float[][] p = new float[68][];
    for (int i = 0; i < 68; i++) {
      p[i] = new float[] {i, 1000 + 2 * i};
    }
    return p;
  }

  private static void assertPoint(float x, float[] p) {
    assertArrayEquals(new float[] {x, 1000 + 2 * x}, p, 1e-4f);
  }

  @Test
  @DisplayName("each 68 -> 5 reduction averages exactly its points, in template order")
  void reductions() {
    float[][] v = LandmarkOptions.FivePoints.VENDOR.reduce(numbered());
    assertPoint(39f, v[0]); // 37, 38, 40, 41
    assertPoint(45f, v[1]); // 43, 44, 46, 47
    assertPoint(30f, v[2]);
    assertPoint(54f, v[3]); // 48, 60
    assertPoint(59f, v[4]); // 54, 64
    float[][] e = LandmarkOptions.FivePoints.EYES6.reduce(numbered());
    assertPoint(38.5f, e[0]); // 36..41
    assertPoint(44.5f, e[1]); // 42..47
    assertPoint(54f, e[3]);
    float[][] m = LandmarkOptions.FivePoints.MOUTH_OUTER.reduce(numbered());
    assertPoint(39f, m[0]);
    assertPoint(48f, m[3]);
    assertPoint(54f, m[4]);
    float[][] both = LandmarkOptions.FivePoints.EYES6_MOUTH_OUTER.reduce(numbered());
    assertPoint(38.5f, both[0]);
    assertPoint(48f, both[3]);
  }

  @Test
  @DisplayName("the two-pass box puts the points back where the model places them in a detector's box")
  void placedBox() {
    Box detector = new Box(40, 60, 100, 130);
    // 68 points whose bounding box sits where the model puts them on average: centre 49.28 % / 61.73 %, size 97.55 % / 77.84 %
    float cx = 40 + 0.4928f * 100, cy = 60 + 0.6173f * 130, w = 0.9755f * 100, h = 0.7784f * 130;
    float[][] pts = new float[68][];
    for (int i = 0; i < 68; i++) {
      pts[i] = new float[] {cx + (i % 2 == 0 ? -w / 2 : w / 2) * (i < 2 ? 1 : 0.5f), cy + (i % 3 == 0 ? -h / 2 : h / 2) * (i < 4 ? 1 : 0.3f)};
    }
    Box placed = Landmark68.placedBox(pts);
    assertEquals(detector.x(), placed.x(), 1e-3);
    assertEquals(detector.y(), placed.y(), 1e-3);
    assertEquals(detector.width(), placed.width(), 1e-3);
    assertEquals(detector.height(), placed.height(), 1e-3);
    // shifted points move the box by the same amount
    for (float[] p : pts) {
      p[0] += 7;
      p[1] -= 3;
    }
    Box moved = Landmark68.placedBox(pts);
    assertEquals(detector.x() + 7, moved.x(), 1e-3);
    assertEquals(detector.y() - 3, moved.y(), 1e-3);
  }

  @Test
  @DisplayName("switch values parse, unknown ones are refused naming the known ones, labels name what differs")
  void parsingAndLabels() {
    assertEquals(LandmarkOptions.FivePoints.EYES6_MOUTH_OUTER, LandmarkOptions.fivePoints("eyes6mouthouter"));
    assertEquals(LandmarkOptions.FivePoints.VENDOR, LandmarkOptions.fivePoints("Vendor"));
    assertEquals(LandmarkOptions.Crop.TWO_PASS, LandmarkOptions.crop("twopass"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LandmarkOptions.fivePoints("eyes4"));
    assertTrue(e.getMessage().contains("mouthouter"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LandmarkOptions.crop("square"));
    assertEquals("", LandmarkOptions.DEFAULT.label());
    assertEquals("+five=mouthouter+crop=twopass+detectorpoints", LandmarkOptions.DEFAULT
        .withFivePoints(LandmarkOptions.FivePoints.MOUTH_OUTER).withCrop(LandmarkOptions.Crop.TWO_PASS).withDetectorPoints(true).label());
    assertThrows(IllegalArgumentException.class, () -> new LandmarkOptions(null, LandmarkOptions.Crop.DETECTOR, false));
  }
}
