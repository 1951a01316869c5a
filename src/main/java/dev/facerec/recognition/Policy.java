package dev.facerec.recognition;

/** The threshold and margin that decide a request, and where the threshold came from. */
public record Policy(double threshold, String source, double minMargin) {}
