package dev.facerec.detect;

import dev.facerec.image.OpenCv;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.objdetect.FaceDetectorYN;

/**
 * YuNet (OpenCV Zoo 2023mar) through OpenCV's {@link FaceDetectorYN}. Each face carries YuNet's 5 key
 * points, already in ArcFace template order (image-left eye first for a frontal face).
 */
public final class YuNetDetector implements FaceDetector {
  private static final int TOP_K = 5000;

  private final FaceDetectorYN yunet;
  private final int maxSide;

  /**
   * @param spec the manifest entry: score and NMS thresholds
   * @param file the ONNX file
   * @param maxSide images are downscaled so their long side is at most this before detection
   */
  public YuNetDetector(ModelSpec spec, Path file, int maxSide) {
    OpenCv.load();
    if (!Files.isRegularFile(file)) {
      throw new ModelException("model file " + file + " does not exist");
    }
    try {
      yunet = FaceDetectorYN.create(file.toString(), "", new Size(spec.input().width(), spec.input().height()),
          (float) spec.scoreThreshold(), (float) spec.nmsThreshold(), TOP_K);
    } catch (RuntimeException e) {
      throw new ModelException("cannot load YuNet model " + file + ": " + e.getMessage(), e);
    }
    this.maxSide = maxSide;
  }

  @Override
  public List<DetectedFace> detect(Mat bgr) {
    List<DetectedFace> out = new ArrayList<>();
    if (bgr.empty()) {
      return out;
    }
    Mat faces = new Mat();
    try (Scaled in = Scaled.of(bgr, maxSide)) {
      yunet.setInputSize(new Size(in.image.cols(), in.image.rows()));
      yunet.detect(in.image, faces);
      float[] row = new float[15];
      for (int r = 0; r < faces.rows(); r++) {
        faces.get(r, 0, row);
        float[][] lm = new float[5][];
        for (int k = 0; k < 5; k++) {
          lm[k] = new float[] {row[4 + 2 * k], row[5 + 2 * k]};
        }
        DetectedFace f = in.toOriginal(new DetectedFace(new Box(row[0], row[1], row[2], row[3]), lm, row[14]));
        if (f.box().area() > 0) {
          out.add(f);
        }
      }
    } finally {
      faces.release();
    }
    out.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
    return out;
  }

  @Override
  public boolean providesLandmarks() {
    return true;
  }

  @Override
  public void close() {
    // FaceDetectorYN has no explicit release in the Java binding; its native object goes with the wrapper.
  }
}
