package dev.facerec.detect;

import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A detection input downscaled so that its long side is at most a limit, and the mapping of results
 * back to the original image. Large uploads are both slow and worse for detectors trained on small
 * faces (very large faces score lower), hence the downscale.
 */
final class Scaled implements AutoCloseable {
  final Mat image;
  final float scale; // original = scaled / scale
  private final boolean owned;
  private final int origWidth;
  private final int origHeight;

  private Scaled(Mat image, float scale, boolean owned, int origWidth, int origHeight) {
    this.image = image;
    this.scale = scale;
    this.owned = owned;
    this.origWidth = origWidth;
    this.origHeight = origHeight;
  }

  static Scaled of(Mat bgr, int maxSide) {
    int longSide = Math.max(bgr.cols(), bgr.rows());
    if (maxSide <= 0 || longSide <= maxSide) {
      return new Scaled(bgr, 1f, false, bgr.cols(), bgr.rows());
    }
    float s = (float) maxSide / longSide;
    int w = Math.max(1, Math.round(bgr.cols() * s));
    int h = Math.max(1, Math.round(bgr.rows() * s));
    Mat small = new Mat();
    Imgproc.resize(bgr, small, new Size(w, h), 0, 0, Imgproc.INTER_AREA);
    return new Scaled(small, (float) w / bgr.cols(), true, bgr.cols(), bgr.rows());
  }

  /** Maps a face found on {@link #image} back to the original image, box clipped to it. */
  DetectedFace toOriginal(DetectedFace f) {
    float inv = 1f / scale;
    float[][] lm = null;
    if (f.landmarks() != null) {
      lm = new float[f.landmarks().length][];
      for (int i = 0; i < lm.length; i++) {
        lm[i] = new float[] {f.landmarks()[i][0] * inv, f.landmarks()[i][1] * inv};
      }
    }
    return new DetectedFace(clip(f.box().scaled(inv), origWidth, origHeight), lm, f.score());
  }

  static Box clip(Box b, int width, int height) {
    float x1 = Math.max(0, Math.min(width, b.x()));
    float y1 = Math.max(0, Math.min(height, b.y()));
    float x2 = Math.max(0, Math.min(width, b.x() + b.width()));
    float y2 = Math.max(0, Math.min(height, b.y() + b.height()));
    return new Box(x1, y1, x2 - x1, y2 - y1);
  }

  @Override
  public void close() {
    if (owned) {
      image.release();
    }
  }
}
