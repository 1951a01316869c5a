package dev.facerec.model;

import java.util.List;

/**
 * A model profile: detector, optional landmark refiner, recognizer, its calibrated default threshold, and
 * the calibration curve (threshold per false-match rate) that target-FMR requests are resolved against.
 */
public record ProfileSpec(
    String id,
    String description,
    String detector,
    String landmarks,
    String recognizer,
    double threshold,
    String thresholdSource,
    List<FmrPoint> fmrThresholds) {

  /** The threshold at which the false-match rate measured on the calibration pairs was {@code fmr}. */
  public record FmrPoint(double fmr, double threshold) {}
}
