package dev.facerec.quality;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;

/**
 * The enrollment quality gate: refuses a face with the first reason that applies, each with its own code.
 * A gallery of poor faces costs accuracy for every later identification, so enrollment is stricter than
 * recognition.
 */
public record QualityGate(int minFaceSize, double minScore, double minSharpness, double maxYaw, double maxRoll, double maxPitch) {

  public void check(FaceQuality q) {
    if (q.faceSize() < minFaceSize) {
      throw new FaceException(Failure.FACE_TOO_SMALL, String.format(
          "the face is %d px; enrollment needs at least %d px (QUALITY_MIN_FACE_SIZE)", Math.round(q.faceSize()), minFaceSize));
    }
    if (q.score() < minScore) {
      throw new FaceException(Failure.FACE_LOW_SCORE, String.format(
          "the detector's confidence is %.2f; enrollment needs at least %.2f (QUALITY_MIN_DETECTION_SCORE)", q.score(), minScore));
    }
    if (q.sharpness() < minSharpness) {
      throw new FaceException(Failure.FACE_BLURRED, String.format(
          "the face is blurred (sharpness %.0f, at least %.0f needed: QUALITY_MIN_SHARPNESS)", q.sharpness(), minSharpness));
    }
    if (Math.abs(q.yaw()) > maxYaw || Math.abs(q.roll()) > maxRoll || Math.abs(q.pitch()) > maxPitch) {
      throw new FaceException(Failure.FACE_POSE, String.format(
          "the head pose is too far from frontal (yaw %.0f, roll %.0f, pitch %.0f degrees; limits %.0f, %.0f, %.0f: QUALITY_MAX_YAW, QUALITY_MAX_ROLL, QUALITY_MAX_PITCH)",
          q.yaw(), q.roll(), q.pitch(), maxYaw, maxRoll, maxPitch));
    }
  }
}
