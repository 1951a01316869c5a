package dev.facerec.pipeline;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.detect.DetectedFace;
import java.util.Comparator;
import java.util.List;

/**
 * Which face of an enrollment photo is the subject's. The only face is; of several, the largest is when it is
 * clearly the subject: every other face at most a quarter of its area (half its width), and no other face
 * nearer the image's centre. A small bystander in the background is then ignored; two people of similar size,
 * or a large face off to the side of a smaller centred one, stay ambiguous and are refused (MULTIPLE_FACES).
 */
public final class SubjectFace {
  /** The most a bystander's box area may be, as a fraction of the subject's. */
  public static final double MAX_BYSTANDER_AREA = 0.25;

  private SubjectFace() {}

  /** The subject's face of {@code d}, which holds at least one face. */
  public static DetectedFace choose(Detection d) {
    List<DetectedFace> faces = d.faces();
    if (faces.size() == 1) {
      return faces.get(0);
    }
    DetectedFace largest = faces.stream().max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow();
    DetectedFace next = faces.stream().filter(f -> f != largest).max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow();
    double ratio = next.box().area() / largest.box().area();
    if (ratio > MAX_BYSTANDER_AREA) {
      throw new FaceException(Failure.MULTIPLE_FACES, String.format(
          "%d faces were found and none is clearly the subject: the second largest is %.0f %% of the largest's area"
              + " (a bystander may be at most %.0f %%); crop the photo to the subject", faces.size(), 100 * ratio, 100 * MAX_BYSTANDER_AREA));
    }
    double cx = d.width() / 2.0;
    double cy = d.height() / 2.0;
    DetectedFace central = faces.stream()
        .min(Comparator.comparingDouble(f -> Math.hypot(f.box().centerX() - cx, f.box().centerY() - cy))).orElseThrow();
    if (central != largest) {
      throw new FaceException(Failure.MULTIPLE_FACES, String.format(
          "%d faces were found and none is clearly the subject: the largest is not the one nearest the centre;"
              + " crop the photo to the subject", faces.size()));
    }
    return largest;
  }
}
