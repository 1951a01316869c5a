package dev.facerec.pipeline;

import dev.facerec.detect.DetectedFace;

/** A detected face and its L2-normalised embedding. */
public record EmbeddedFace(DetectedFace face, float[] embedding) {}
