package dev.facerec.model;

import java.util.List;

/**
 * A model profile: detector, optional landmark model, recognizer, its calibrated default threshold, and
 * the calibration curve (threshold per false-match rate) that target-FMR requests are resolved against.
 *
 * @param landmarks the landmark model; a detector without landmarks of its own always uses it, one with
 *     landmarks uses it when {@code refineLandmarks} (or the pipeline option of that name) is on
 * @param identifyThreshold the default for 1:N search and the duplicate check, calibrated on a false-positive
 *     identification rate over a gallery (a stranger meets every subject, so the 1:1 threshold lets far more
 *     through); the 1:1 {@code threshold} when the manifest has none
 * @param impostorTail the fitted impostor score tail that sizes the 1:N threshold to a gallery
 *     ({@code calibration.impostorTail}); null when the profile has none
 * @param centroidTails the same for subjects scored by the centroid of several faces, one per face count measured
 *     ({@code calibration.centroidTails}); empty when the profile has none (they then count as single faces)
 * @param refineLandmarks whether the landmark model replaces the detector's own points by default
 *     (manifest field {@code refineLandmarks}, default false)
 * @param centre subtracted from every embedding before it is normalised again ({@code embeddingCentre}); null: none
 */
public record ProfileSpec(
    String id,
    String description,
    String detector,
    String landmarks,
    String recognizer,
    double threshold,
    String thresholdSource,
    boolean refineLandmarks,
    List<FmrPoint> fmrThresholds,
    double identifyThreshold,
    String identifyThresholdSource,
    ImpostorTail impostorTail,
    List<ImpostorTail> centroidTails,
    EmbeddingCentre centre) {

  /** Without an embedding centre (the profiles before centring, and tests). */
  public ProfileSpec(String id, String description, String detector, String landmarks, String recognizer, double threshold,
      String thresholdSource, boolean refineLandmarks, List<FmrPoint> fmrThresholds, double identifyThreshold,
      String identifyThresholdSource, ImpostorTail impostorTail, List<ImpostorTail> centroidTails) {
    this(id, description, detector, landmarks, recognizer, threshold, thresholdSource, refineLandmarks, fmrThresholds,
        identifyThreshold, identifyThresholdSource, impostorTail, centroidTails, null);
  }

  /**
   * The id of the embedding space galleries are bound to: the recognizer's id, plus {@code +centre-<tag>} when the
   * profile centres its embeddings (a gallery of uncentred embeddings must not be searched with centred ones).
   */
  public String embeddingModel() {
    return EmbeddingCentre.modelId(recognizer, centre);
  }

  /** The same profile with another embedding centre, or none (the evaluation tool fits and compares them). */
  public ProfileSpec withCentre(EmbeddingCentre c) {
    return new ProfileSpec(id, description, detector, landmarks, recognizer, threshold, thresholdSource, refineLandmarks,
        fmrThresholds, identifyThreshold, identifyThresholdSource, impostorTail, centroidTails, c);
  }

  /** The threshold at which the false-match rate measured on the calibration pairs was {@code fmr}. */
  public record FmrPoint(double fmr, double threshold) {}

  /** The same profile with refinement switched on or off by default (the evaluation tool compares both). */
  public ProfileSpec withRefineLandmarks(boolean refine) {
    return new ProfileSpec(id, description, detector, landmarks, recognizer, threshold, thresholdSource, refine, fmrThresholds,
        identifyThreshold, identifyThresholdSource, impostorTail, centroidTails, centre);
  }

  /** The same profile with another detector (the evaluation tool's {@code :detector=}). */
  public ProfileSpec withDetector(String detectorId) {
    return new ProfileSpec(id, description, detectorId, landmarks, recognizer, threshold, thresholdSource, refineLandmarks,
        fmrThresholds, identifyThreshold, identifyThresholdSource, impostorTail, centroidTails, centre);
  }
}
