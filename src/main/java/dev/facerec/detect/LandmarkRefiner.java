package dev.facerec.detect;

import org.opencv.core.Mat;

/**
 * Computes the 5 alignment landmarks of a face from its box, replacing whatever landmarks the
 * detector gave. Works on any detector's box. Not thread-safe: one thread at a time.
 */
public interface LandmarkRefiner extends AutoCloseable {
  /**
   * @param bgr the image the face was found in (8-bit BGR)
   * @return the same face with 5 refined landmarks in image coordinates
   */
  DetectedFace refine(Mat bgr, DetectedFace face);

  @Override
  void close();
}
