package dev.facerec.eval;

import dev.facerec.detect.LandmarkOptions;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ProfileSpec;
import dev.facerec.pipeline.PipelineOptions;

/**
 * A profile evaluated with given pipeline switches. On the command line {@code faceplugin} or with
 * suffixes {@code faceplugin:flip}, {@code yunet-mobilefacenet:refine:flip}, {@code yunet-mobilefacenet:norefine},
 * and the landmark and detector alternatives {@code :five=eyes6}, {@code :crop=twopass}, {@code :detectorpoints},
 * {@code :detector=faceplugin-detect}.
 *
 * @param profileRefine null: the profile's own {@code refineLandmarks}; else overrides it (":norefine")
 * @param detector null: the profile's detector; else the manifest id of the detector that replaces it
 */
public record Variant(String profile, PipelineOptions options, Boolean profileRefine, String detector) {

  public Variant(String profile, PipelineOptions options, Boolean profileRefine) {
    this(profile, options, profileRefine, null);
  }

  /**
   * Parses {@code P[:flip|:noflip][:refine|:norefine][:five=R][:crop=C][:detectorpoints][:detector=ID]}; the global
   * flags are the defaults of each variant.
   */
  public static Variant parse(String spec, PipelineOptions base) {
    String[] parts = spec.split(":");
    PipelineOptions o = base;
    Boolean profileRefine = null;
    String detector = null;
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String key = eq < 0 ? parts[i] : parts[i].substring(0, eq + 1); // "five=" for ":five=eyes6"
      String value = eq < 0 ? null : parts[i].substring(eq + 1);
      switch (key) {
        case "five=" -> o = o.withLandmarks(o.landmarks().withFivePoints(LandmarkOptions.fivePoints(value)));
        case "crop=" -> o = o.withLandmarks(o.landmarks().withCrop(LandmarkOptions.crop(value)));
        case "detectorpoints" -> o = o.withLandmarks(o.landmarks().withDetectorPoints(true));
        case "detector=" -> {
          if (value.isBlank()) {
            throw new IllegalArgumentException("empty detector in '" + spec + "'");
          }
          detector = value;
        }
        case "flip" -> o = o.withFlipAugment(true);
        case "noflip" -> o = o.withFlipAugment(false);
        case "refine" -> o = o.withRefineLandmarks(true);
        case "norefine" -> {
          o = o.withRefineLandmarks(false);
          profileRefine = false;
        }
        default -> throw new IllegalArgumentException("unknown profile option ':" + parts[i] + "' in '" + spec
            + "' (known: flip, noflip, refine, norefine, five=, crop=, detectorpoints, detector=)");
      }
    }
    if (parts[0].isBlank()) {
      throw new IllegalArgumentException("empty profile in '" + spec + "'");
    }
    return new Variant(parts[0], o, profileRefine, detector);
  }

  /** The manifest the pipeline opens with: the profile's refinement default and detector replaced when overridden. */
  public ModelManifest applyTo(ModelManifest manifest) {
    if (profileRefine == null && detector == null) {
      return manifest;
    }
    ProfileSpec p = manifest.profile(profile);
    if (profileRefine != null) {
      p = p.withRefineLandmarks(profileRefine);
    }
    if (detector != null) {
      if (manifest.model(detector).kind() != ModelSpec.Kind.DETECTOR) {
        throw new IllegalArgumentException("'" + detector + "' is not a detector");
      }
      p = p.withDetector(detector);
    }
    return manifest.withProfile(p);
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
        + options.landmarks().label() + (detector == null ? "" : "+detector=" + detector)
        + (options.flipAugment() ? "+flip" : "");
  }
}
