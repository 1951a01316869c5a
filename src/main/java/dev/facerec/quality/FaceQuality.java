package dev.facerec.quality;

import dev.facerec.detect.DetectedFace;
import dev.facerec.embed.FaceAligner;
import io.vertx.core.json.JsonObject;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.imgproc.Imgproc;

/**
 * Quality measures of one detected face.
 *
 * @param faceSize the shorter side of the face box, in original image pixels
 * @param score the detector's confidence
 * @param sharpness variance of the Laplacian of the aligned 112x112 grey face (scale-independent because
 *     it is measured after alignment; blurred faces score low)
 * @param yaw estimated head turn in degrees from the nose's offset to the eye midline (0 = frontal)
 * @param roll in-plane rotation of the eye line in degrees
 * @param pitch estimated nod in degrees from the nose's height between eyes and mouth (0 = frontal)
 */
public record FaceQuality(float faceSize, float score, double sharpness, double yaw, double roll, double pitch) {

  /** Measures a face from its aligned 112x112 BGR crop (as made by {@link FaceAligner}) and its detection. */
  public static FaceQuality ofAligned(Mat aligned, DetectedFace face) {
    float[][] p = face.landmarks();
    Mat grey = new Mat();
    Mat lap = new Mat();
    MatOfDouble mean = new MatOfDouble();
    MatOfDouble std = new MatOfDouble();
    try {
      Imgproc.cvtColor(aligned, grey, Imgproc.COLOR_BGR2GRAY);
      Imgproc.Laplacian(grey, lap, CvType.CV_64F);
      Core.meanStdDev(lap, mean, std);
      double sd = std.toArray()[0];
      return new FaceQuality(Math.min(face.box().width(), face.box().height()), face.score(), sd * sd,
          yaw(p), roll(p), pitch(p));
    } finally {
      grey.release();
      lap.release();
      mean.release();
      std.release();
    }
  }

  static double roll(float[][] p) {
    return Math.toDegrees(Math.atan2(p[1][1] - p[0][1], p[1][0] - p[0][0]));
  }

  /**
   * On a frontal face the nose lies on the eye midline; turned by yaw y it moves by about
   * sin(y) times half the face width, and the face width is about twice the eye distance.
   */
  static double yaw(float[][] p) {
    double ex = p[1][0] - p[0][0];
    double ey = p[1][1] - p[0][1];
    double eyeDist = Math.hypot(ex, ey);
    if (eyeDist < 1e-3) {
      return 90;
    }
    double midX = (p[0][0] + p[1][0]) / 2;
    double midY = (p[0][1] + p[1][1]) / 2;
    // signed offset of the nose along the eye line, in eye distances
    double t = ((p[2][0] - midX) * ex + (p[2][1] - midY) * ey) / (eyeDist * eyeDist);
    return Math.toDegrees(Math.asin(Math.max(-1, Math.min(1, 2 * t))));
  }

  /** The nose sits about 55 % of the way (measured on LFW) from the eye line to the mouth line on a level face. */
  static double pitch(float[][] p) {
    double eyeY = (p[0][1] + p[1][1]) / 2;
    double mouthY = (p[3][1] + p[4][1]) / 2;
    double span = mouthY - eyeY;
    if (span <= 1e-3) {
      return 90;
    }
    double r = (p[2][1] - eyeY) / span;
    return Math.toDegrees(Math.asin(Math.max(-1, Math.min(1, (r - 0.55) * 2))));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("faceSize", Math.round(faceSize))
        .put("score", Math.round(score * 1000) / 1000.0)
        .put("sharpness", Math.round(sharpness * 10) / 10.0)
        .put("yaw", Math.round(yaw * 10) / 10.0)
        .put("roll", Math.round(roll * 10) / 10.0)
        .put("pitch", Math.round(pitch * 10) / 10.0);
  }

  public static FaceQuality fromJson(JsonObject j) {
    return j == null ? null : new FaceQuality(j.getFloat("faceSize"), j.getFloat("score"), j.getDouble("sharpness"),
        j.getDouble("yaw"), j.getDouble("roll"), j.getDouble("pitch"));
  }
}
