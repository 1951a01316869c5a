package dev.facerec.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.image.OpenCv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opencv.calib3d.Calib3d;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

@DisplayName("FaceAligner maps 5 landmarks onto the ArcFace template with a similarity transform")
class FaceAlignerTest {
  @BeforeAll
  static void loadOpenCv() {
    OpenCv.load();
  }

  /** The template moved by rotation {@code deg}, scale {@code s} and translation (tx, ty). */
  private static float[][] moved(double deg, double s, double tx, double ty) {
    double c = Math.cos(Math.toRadians(deg)) * s;
    double n = Math.sin(Math.toRadians(deg)) * s;
    float[][] out = new float[5][];
    for (int i = 0; i < 5; i++) {
      float x = FaceAligner.TEMPLATE[i][0];
      float y = FaceAligner.TEMPLATE[i][1];
      out[i] = new float[] {(float) (c * x - n * y + tx), (float) (n * x + c * y + ty)};
    }
    return out;
  }

  private static double[] apply(double[] m, float[] p) {
    return new double[] {m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]};
  }

  @Test
  void templateOntoItselfIsTheIdentity() {
    assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0}, FaceAligner.similarity(FaceAligner.TEMPLATE, FaceAligner.TEMPLATE), 1e-9);
  }

  @Test
  void recoversAnExactSimilarityTransform() {
    float[][] src = moved(25, 2.5, 300, -40);
    double[] m = FaceAligner.similarity(src, FaceAligner.TEMPLATE);
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(new double[] {FaceAligner.TEMPLATE[i][0], FaceAligner.TEMPLATE[i][1]}, apply(m, src[i]), 1e-3);
    }
    double scale = Math.hypot(m[0], m[3]);
    assertEquals(1 / 2.5, scale, 1e-6);
    assertEquals(-25, Math.toDegrees(Math.atan2(m[3], m[0])), 1e-4);
  }

  @Test
  @DisplayName("on noisy points it agrees with OpenCV's least-squares partial affine estimate")
  void agreesWithOpenCvOnNoisyPoints() {
    float[][] src = moved(-12, 1.7, 80, 120);
    src[0][0] += 2.5f;
    src[2][1] -= 3f;
    src[4][0] -= 1.5f;
    double[] ours = FaceAligner.similarity(src, FaceAligner.TEMPLATE);
    Point[] a = new Point[5];
    Point[] b = new Point[5];
    for (int i = 0; i < 5; i++) {
      a[i] = new Point(src[i][0], src[i][1]);
      b[i] = new Point(FaceAligner.TEMPLATE[i][0], FaceAligner.TEMPLATE[i][1]);
    }
    MatOfPoint2f from = new MatOfPoint2f(a);
    MatOfPoint2f to = new MatOfPoint2f(b);
    // All points as inliers and refinement on: OpenCV's result is the least-squares fit too.
    Mat cv = Calib3d.estimateAffinePartial2D(from, to, new Mat(), Calib3d.RANSAC, 1000, 2000, 0.99, 10);
    double[] theirs = new double[6];
    cv.get(0, 0, theirs);
    assertArrayEquals(theirs, ours, 1e-3);
  }

  @Test
  @DisplayName("a dot drawn at each landmark ends up at the template point in the 112x112 crop")
  void alignedCropPutsLandmarksOnTheTemplate() {
    float[][] src = moved(20, 3.0, 150, 40);
    Mat img = new Mat(600, 600, CvType.CV_8UC3, new Scalar(0, 0, 0));
    for (float[] p : src) {
      Imgproc.circle(img, new Point(p[0], p[1]), 6, new Scalar(255, 255, 255), -1);
    }
    Mat crop = FaceAligner.align(img, src);
    assertEquals(FaceAligner.SIZE, crop.cols());
    assertEquals(FaceAligner.SIZE, crop.rows());
    assertEquals(CvType.CV_8UC3, crop.type());
    for (float[] t : FaceAligner.TEMPLATE) {
      assertTrue(crop.get(Math.round(t[1]), Math.round(t[0]))[0] > 200, "bright at template point " + t[0] + "," + t[1]);
    }
    assertEquals(0, crop.get(5, 5)[0], 1e-9, "dark away from the landmarks");
    img.release();
    crop.release();
  }

  @Test
  void refusesWrongLandmarkCountsAndDegeneratePoints() {
    assertThrows(IllegalArgumentException.class, () -> FaceAligner.similarity(new float[3][2], FaceAligner.TEMPLATE));
    float[][] same = {{5, 5}, {5, 5}, {5, 5}, {5, 5}, {5, 5}};
    assertThrows(IllegalArgumentException.class, () -> FaceAligner.similarity(same, FaceAligner.TEMPLATE));
  }
}
