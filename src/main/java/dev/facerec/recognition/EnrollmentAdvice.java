package dev.facerec.recognition;

import io.vertx.core.json.JsonObject;

/**
 * Whether another face of a subject would help identify them. Measured on LFW (docs/accuracy.md, "Templates and
 * score normalization"): subjects enrolled with three faces were turned away far less often than with one (FNIR at
 * FPIR 1e-2 about 3 % against 10 %), so up to three faces are recommended.
 */
public final class EnrollmentAdvice {
  /** Faces per subject up to which another one is recommended. */
  public static final int RECOMMENDED_FACES = 3;

  private EnrollmentAdvice() {}

  /** The enrollment answer's fields about the subject: its face count and whether another face is recommended. */
  public static JsonObject of(int subjectFaces) {
    return new JsonObject().put("subjectFaceCount", subjectFaces).put("moreFacesRecommended", subjectFaces < RECOMMENDED_FACES);
  }
}
