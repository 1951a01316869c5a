package dev.facerec.detect;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.facerec.image.ImageTensors;
import dev.facerec.image.OpenCv;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The faceplugin {@code fr_landmark.onnx} 68-point model, reduced to the 5 ArcFace points. By default with the
 * vendor's mapping (iBUG 0-based indices): eye = mean of 4 lid points (37,38,40,41 and 43,44,46,47),
 * nose tip 30, mouth corners = mean of outer and inner corner (48,60 and 54,64). Points 36-41 are the
 * subject's right eye, i.e. the image-left eye, so the result is in template order. {@link LandmarkOptions}
 * holds the measured alternatives.
 */
public final class Landmark68 implements LandmarkRefiner {
  // Where the 68 points' bounding box falls in the box the model saw (LandmarkOptions.Crop.TWO_PASS).
  private static final float CENTRE_X = 0.4928f;
  private static final float CENTRE_Y = 0.6173f;
  private static final float EXTENT_X = 0.9755f;
  private static final float EXTENT_Y = 0.7784f;

  private final LandmarkOptions options;
  private final ModelSpec spec;
  private final OrtSession session;
  private final String inputName;

  public Landmark68(ModelSpec spec, Path file, int intraOpThreads) {
    this(spec, file, intraOpThreads, LandmarkOptions.DEFAULT);
  }

  public Landmark68(ModelSpec spec, Path file, int intraOpThreads, LandmarkOptions options) {
    OpenCv.load();
    this.options = options;
    this.spec = spec;
    this.session = OrtSessions.open(file, intraOpThreads);
    this.inputName = session.getInputNames().iterator().next();
  }

  @Override
  public DetectedFace refine(Mat bgr, DetectedFace face) {
    float[][] pts = points68(bgr, face.box());
    if (pts == null) {
      return face;
    }
    if (options.crop() == LandmarkOptions.Crop.TWO_PASS) {
      float[][] again = points68(bgr, placedBox(pts));
      if (again != null) {
        pts = again;
      }
    }
    float[][] five = options.fivePoints().reduce(pts);
    float[][] own = face.landmarks();
    if (options.withDetectorPoints() && own != null && own.length == five.length) {
      for (int k = 0; k < five.length; k++) {
        five[k][0] = (five[k][0] + own[k][0]) / 2;
        five[k][1] = (five[k][1] + own[k][1]) / 2;
      }
    }
    return new DetectedFace(face.box(), five, face.score());
  }

  /** The box that puts these 68 points where the model places them in a detector's box on average. */
  static Box placedBox(float[][] pts) {
    float minX = Float.MAX_VALUE, maxX = -Float.MAX_VALUE, minY = Float.MAX_VALUE, maxY = -Float.MAX_VALUE;
    for (float[] p : pts) {
      minX = Math.min(minX, p[0]);
      maxX = Math.max(maxX, p[0]);
      minY = Math.min(minY, p[1]);
      maxY = Math.max(maxY, p[1]);
    }
    float w = (maxX - minX) / EXTENT_X;
    float h = (maxY - minY) / EXTENT_Y;
    return new Box((minX + maxX) / 2 - CENTRE_X * w, (minY + maxY) / 2 - CENTRE_Y * h, w, h);
  }

  /** All 68 points in image coordinates, or null when the box is too small to crop. */
  public float[][] points68(Mat bgr, Box box) {
    int x1 = Math.max(0, Math.round(box.x()));
    int y1 = Math.max(0, Math.round(box.y()));
    int x2 = Math.min(bgr.cols(), Math.round(box.x() + box.width()));
    int y2 = Math.min(bgr.rows(), Math.round(box.y() + box.height()));
    int bw = x2 - x1;
    int bh = y2 - y1;
    if (bw < 2 || bh < 2) {
      return null;
    }
    int nw = spec.input().width();
    int nh = spec.input().height();
    int channels = spec.input().gray() ? 1 : 3;
    Mat crop = bgr.submat(new Rect(x1, y1, bw, bh));
    Mat converted = new Mat();
    Mat resized = new Mat();
    float[] input;
    try {
      if (spec.input().gray()) {
        Imgproc.cvtColor(crop, converted, Imgproc.COLOR_BGR2GRAY);
      } else {
        crop.copyTo(converted);
      }
      Imgproc.resize(converted, resized, new Size(nw, nh), 0, 0, Imgproc.INTER_LINEAR);
      input = ImageTensors.toNchw(resized, spec.input());
    } finally {
      crop.release();
      converted.release();
      resized.release();
    }
    float[] out;
    try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.env(), FloatBuffer.wrap(input), new long[] {1, channels, nh, nw});
        OrtSession.Result r = session.run(Map.of(inputName, t))) {
      out = ((float[][]) r.get(0).getValue())[0];
    } catch (OrtException e) {
      throw new ModelException("landmark model failed: " + e.getMessage(), e);
    }
    float[][] pts = new float[out.length / 2][];
    for (int i = 0; i < pts.length; i++) {
      pts[i] = new float[] {out[2 * i] * bw + x1, out[2 * i + 1] * bh + y1};
    }
    return pts;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // already closed
    }
  }
}
