package dev.facerec.detect;

import java.util.List;
import org.opencv.core.Mat;

/**
 * Finds faces in a BGR image. Results are in the image's own pixel coordinates, boxes clipped to the
 * image, sorted by score descending. Implementations are not thread-safe: one thread at a time.
 */
public interface FaceDetector extends AutoCloseable {
  /** @param bgr an 8-bit 3-channel BGR image; it is not modified */
  List<DetectedFace> detect(Mat bgr);

  /** Whether the faces returned carry 5 landmarks (else a {@link LandmarkRefiner} must add them). */
  boolean providesLandmarks();

  @Override
  void close();
}
