package dev.facerec.model;

/**
 * A model profile: detector, optional landmark model, recognizer, and its calibrated threshold.
 *
 * @param landmarks the landmark model; a detector without landmarks of its own always uses it, one with
 *     landmarks uses it when {@code refineLandmarks} (or the pipeline option of that name) is on
 * @param refineLandmarks whether the landmark model replaces the detector's own points by default
 *     (manifest field {@code refineLandmarks}, default false)
 */
public record ProfileSpec(
    String id,
    String description,
    String detector,
    String landmarks,
    String recognizer,
    double threshold,
    String thresholdSource,
    boolean refineLandmarks) {

  /** The same profile with refinement switched on or off by default (the evaluation tool compares both). */
  public ProfileSpec withRefineLandmarks(boolean refine) {
    return new ProfileSpec(id, description, detector, landmarks, recognizer, threshold, thresholdSource, refine);
  }
}
