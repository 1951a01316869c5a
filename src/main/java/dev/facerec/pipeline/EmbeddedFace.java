package dev.facerec.pipeline;

import dev.facerec.detect.DetectedFace;
import dev.facerec.quality.FaceQuality;

/** A detected face, its L2-normalised embedding, and the quality measured on the same aligned crop. */
public record EmbeddedFace(DetectedFace face, float[] embedding, FaceQuality quality) {}
