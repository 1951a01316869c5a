package dev.facerec.model;

/** A model profile: detector, optional landmark refiner, recognizer, and its calibrated threshold. */
public record ProfileSpec(
    String id,
    String description,
    String detector,
    String landmarks,
    String recognizer,
    double threshold,
    String thresholdSource) {}
