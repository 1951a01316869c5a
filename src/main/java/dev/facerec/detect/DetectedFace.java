package dev.facerec.detect;

/**
 * One detected face in original image coordinates. {@code landmarks} holds 5 points as [x, y] in the
 * ArcFace template order: right eye, left eye, nose tip, right mouth corner, left mouth corner (the
 * subject's right, i.e. the image's left for a frontal face).
 */
public record DetectedFace(Box box, float[][] landmarks, float score) {}
