package dev.facerec.embed;

import dev.facerec.image.OpenCv;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Crops a face to the 112x112 ArcFace layout: the similarity transform (rotation, uniform scale,
 * translation; no reflection or shear) that maps the 5 landmarks onto {@link #TEMPLATE} with least
 * squared error (Umeyama's closed form), applied with bilinear sampling and a black border.
 */
public final class FaceAligner {
  /** Output side in pixels. */
  public static final int SIZE = 112;

  /** ArcFace 112x112 template: right eye, left eye, nose tip, right and left mouth corner (image-left first). */
  public static final float[][] TEMPLATE = {
    {38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f}, {41.5493f, 92.3655f}, {70.7299f, 92.2041f}
  };

  private FaceAligner() {}

  /**
   * @param bgr the image the landmarks refer to
   * @param landmarks5 5 [x, y] points in template order
   * @return a new 112x112 BGR Mat, owned by the caller
   */
  public static Mat align(Mat bgr, float[][] landmarks5) {
    OpenCv.load();
    double[] m = similarity(landmarks5, TEMPLATE);
    Mat affine = new Mat(2, 3, CvType.CV_64F);
    affine.put(0, 0, m);
    Mat out = new Mat();
    try {
      Imgproc.warpAffine(bgr, out, affine, new Size(SIZE, SIZE), Imgproc.INTER_LINEAR, Core.BORDER_CONSTANT,
          new Scalar(0, 0, 0));
    } finally {
      affine.release();
    }
    return out;
  }

  /**
   * The least-squares similarity transform mapping {@code src} points onto {@code dst}, as a row-major
   * 2x3 affine matrix {@code [a, -b, tx, b, a, ty]}. In complex numbers it is {@code w = s*z + t}
   * with {@code s = sum((w_i - w̄) * conj(z_i - z̄)) / sum|z_i - z̄|^2} and {@code t = w̄ - s*z̄}.
   */
  public static double[] similarity(float[][] src, float[][] dst) {
    if (src == null || src.length != dst.length) {
      throw new IllegalArgumentException("expected " + dst.length + " landmarks");
    }
    int n = src.length;
    double zx = 0, zy = 0, wx = 0, wy = 0;
    for (int i = 0; i < n; i++) {
      zx += src[i][0];
      zy += src[i][1];
      wx += dst[i][0];
      wy += dst[i][1];
    }
    zx /= n;
    zy /= n;
    wx /= n;
    wy /= n;
    double re = 0, im = 0, norm = 0;
    for (int i = 0; i < n; i++) {
      double ax = src[i][0] - zx, ay = src[i][1] - zy;
      double bx = dst[i][0] - wx, by = dst[i][1] - wy;
      // (bx + i*by) * (ax - i*ay)
      re += bx * ax + by * ay;
      im += by * ax - bx * ay;
      norm += ax * ax + ay * ay;
    }
    if (norm < 1e-12) {
      throw new IllegalArgumentException("the landmarks coincide");
    }
    double a = re / norm;
    double b = im / norm;
    double tx = wx - (a * zx - b * zy);
    double ty = wy - (b * zx + a * zy);
    return new double[] {a, -b, tx, b, a, ty};
  }
}
