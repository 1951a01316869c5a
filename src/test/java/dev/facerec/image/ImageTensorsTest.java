package dev.facerec.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;

@DisplayName("ImageTensors prepares network input exactly as each manifest entry says")
class ImageTensorsTest {
  private static ModelManifest manifest;

  @BeforeAll
  static void setUp() {
    OpenCv.load();
    manifest = TestData.manifest();
  }

  /** A 2x2 BGR image whose every pixel is B=10, G=20, R=30. */
  private static Mat bgr() {
    return new Mat(2, 2, CvType.CV_8UC3, new Scalar(10, 20, 30));
  }

  @Test
  void mobileFaceNetGetsRgbPlanesCentredOn127point5() {
    float[] t = ImageTensors.toNchw(bgr(), manifest.model("mobilefacenet-128").input());
    assertEquals(12, t.length);
    assertEquals((30 - 127.5f) / 128f, t[0], 1e-6); // plane 0 = R
    assertEquals((20 - 127.5f) / 128f, t[4], 1e-6);
    assertEquals((10 - 127.5f) / 128f, t[8], 1e-6); // plane 2 = B
  }

  @Test
  void facepluginRecognizerGetsRgbCentredOn127() {
    float[] t = ImageTensors.toNchw(bgr(), manifest.model("faceplugin-feature-512").input());
    assertEquals((30 - 127f) / 128f, t[0], 1e-6);
    assertEquals((10 - 127f) / 128f, t[11], 1e-6);
  }

  @Test
  void sfaceGetsRawBgr() {
    ModelSpec.InputSpec sface = manifest.model("sface-2021dec").input();
    float[] t = ImageTensors.toNchw(bgr(), sface);
    assertEquals(10f, t[0], 0); // plane 0 = B, unscaled
    assertEquals(20f, t[4], 0);
    assertEquals(30f, t[8], 0);
  }

  @Test
  void landmarkModelGetsOneGreyPlaneOver256() {
    Mat grey = new Mat(2, 2, CvType.CV_8UC1, new Scalar(200));
    float[] t = ImageTensors.toNchw(grey, manifest.model("faceplugin-landmark68").input());
    assertEquals(4, t.length);
    assertEquals(200f / 256f, t[3], 1e-6);
  }
}
