package dev.facerec.pipeline;

import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import java.util.Comparator;
import java.util.List;

/**
 * The face verify, {@code largestOnly} identify and CompreFace's source image use when an image holds several: the
 * largest, except that a face cut by the image border gives way to a whole one of comparable size. A cut face is a
 * bystander at the edge of the frame than the subject, and its landmarks, partly outside the image, align it badly
 * (docs/accuracy.md, "Which face verify compares"). "Comparable" reuses the enrollment rule's bystander bound
 * ({@link SubjectFace#MAX_BYSTANDER_AREA}): a whole face at least that share of the cut one's area is not a bystander.
 */
public final class PrimaryFace {
  private PrimaryFace() {}

  /** The primary face of {@code d}, which holds at least one face. */
  public static DetectedFace choose(Detection d) {
    List<DetectedFace> faces = d.faces();
    Comparator<DetectedFace> byArea = Comparator.comparingDouble(f -> f.box().area());
    DetectedFace largest = faces.stream().max(byArea).orElseThrow();
    if (!cut(largest.box(), d.width(), d.height())) {
      return largest;
    }
    return faces.stream()
        .filter(f -> !cut(f.box(), d.width(), d.height()))
        .filter(f -> f.box().area() >= SubjectFace.MAX_BYSTANDER_AREA * largest.box().area())
        .max(byArea)
        .orElse(largest);
  }

  /** Whether the box reaches the image border (detector boxes are clipped to the image, so it then extends past it). */
  static boolean cut(Box b, int width, int height) {
    float edge = 0.5f; // float boxes clipped to 0 or to the size land on it exactly; half a pixel absorbs rounding
    return b.x() <= edge || b.y() <= edge || b.x() + b.width() >= width - edge || b.y() + b.height() >= height - edge;
  }
}
