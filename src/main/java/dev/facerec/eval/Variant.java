package dev.facerec.eval;

import dev.facerec.pipeline.PipelineOptions;

/**
 * A profile evaluated with given pipeline switches. On the command line {@code faceplugin} or with
 * suffixes {@code faceplugin:flip}, {@code yunet-mobilefacenet:refine:flip}.
 */
public record Variant(String profile, PipelineOptions options) {

  /** Parses {@code P[:flip][:refine]}; the global flags are the defaults of each variant. */
  public static Variant parse(String spec, PipelineOptions base) {
    String[] parts = spec.split(":");
    PipelineOptions o = base;
    for (int i = 1; i < parts.length; i++) {
      o = switch (parts[i]) {
        case "flip" -> o.withFlipAugment(true);
        case "noflip" -> o.withFlipAugment(false);
        case "refine" -> o.withRefineLandmarks(true);
        case "norefine" -> o.withRefineLandmarks(false);
        default -> throw new IllegalArgumentException("unknown profile option ':" + parts[i] + "' in '" + spec
            + "' (known: flip, noflip, refine, norefine)");
      };
    }
    if (parts[0].isBlank()) {
      throw new IllegalArgumentException("empty profile in '" + spec + "'");
    }
    return new Variant(parts[0], o);
  }

  /** The profile id plus the switches that are on, e.g. {@code faceplugin+flip}. */
  public String label() {
    return profile + (options.refineLandmarks() ? "+refine" : "") + (options.flipAugment() ? "+flip" : "");
  }
}
