package dev.facerec.eval;

import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.PipelineOptions;

/**
 * A profile evaluated with given pipeline switches. On the command line {@code faceplugin} or with
 * suffixes {@code faceplugin:flip}, {@code yunet-mobilefacenet:refine:flip}, {@code yunet-mobilefacenet:norefine}.
 *
 * @param profileRefine null: the profile's own {@code refineLandmarks}; else overrides it (":norefine")
 */
public record Variant(String profile, PipelineOptions options, Boolean profileRefine) {

  /** Parses {@code P[:flip|:noflip][:refine|:norefine]}; the global flags are the defaults of each variant. */
  public static Variant parse(String spec, PipelineOptions base) {
    String[] parts = spec.split(":");
    PipelineOptions o = base;
    Boolean profileRefine = null;
    for (int i = 1; i < parts.length; i++) {
      switch (parts[i]) {
        case "flip" -> o = o.withFlipAugment(true);
        case "noflip" -> o = o.withFlipAugment(false);
        case "refine" -> o = o.withRefineLandmarks(true);
        case "norefine" -> {
          o = o.withRefineLandmarks(false);
          profileRefine = false;
        }
        default -> throw new IllegalArgumentException("unknown profile option ':" + parts[i] + "' in '" + spec
            + "' (known: flip, noflip, refine, norefine)");
      }
    }
    if (parts[0].isBlank()) {
      throw new IllegalArgumentException("empty profile in '" + spec + "'");
    }
    return new Variant(parts[0], o, profileRefine);
  }

  /** The manifest the pipeline opens with: the profile's refinement default replaced when overridden. */
  public ModelManifest applyTo(ModelManifest manifest) {
    return profileRefine == null ? manifest
        : manifest.withProfile(manifest.profile(profile).withRefineLandmarks(profileRefine));
  }

  /** Whether 68-point refinement replaces the detector's own landmarks in this variant. */
  public boolean refines(ModelManifest manifest) {
    return options.refineLandmarks() || applyTo(manifest).profile(profile).refineLandmarks();
  }

  /**
   * The profile id plus the switches given, e.g. {@code faceplugin+flip}; {@code -refine} marks refinement
   * switched off against the profile's default.
   */
  public String label() {
    return profile + (options.refineLandmarks() ? "+refine" : "") + (Boolean.FALSE.equals(profileRefine) ? "-refine" : "")
        + (options.flipAugment() ? "+flip" : "");
  }
}
