package dev.facerec.pipeline;

import dev.facerec.detect.DetectedFace;
import java.util.List;

/**
 * The faces found in one image.
 *
 * @param width the decoded image width
 * @param height the decoded image height
 * @param faces by score descending, at most {@link PipelineOptions#maxFaces()}, each with 5 landmarks
 */
public record Detection(int width, int height, List<DetectedFace> faces) {
  public Detection {
    faces = List.copyOf(faces);
  }
}
