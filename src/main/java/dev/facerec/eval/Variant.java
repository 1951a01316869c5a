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
 * @param centre null: the profile's {@code embeddingCentre} when it has one; FALSE ({@code :nocentre}): none; TRUE
 *     ({@code :centre}): centred, with the profile's centre or, under {@code --halves}, the other half's mean
 */
public record Variant(String profile, PipelineOptions options, Boolean profileRefine, String detector, Boolean centre) {

  public Variant(String profile, PipelineOptions options, Boolean profileRefine) {
    this(profile, options, profileRefine, null, null);
  }

  public Variant(String profile, PipelineOptions options, Boolean profileRefine, String detector) {
    this(profile, options, profileRefine, detector, null);
  }

  /** The same variant with the centre switch set (null: the profile's own). */
  public Variant withCentre(Boolean c) {
    return new Variant(profile, options, profileRefine, detector, c);
  }

  /**
   * Whether this variant's embeddings are centred: {@code :centre}, or the profile has an {@code embeddingCentre} and
   * {@code :nocentre} is not given.
   */
  public boolean centred(ModelManifest manifest) {
    return centre != null ? centre : manifest.profile(profile).centre() != null;
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
    Boolean centre = null;
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
        case "centre" -> centre = true;
        case "nocentre" -> centre = false;
        case "flip" -> o = o.withFlipAugment(true);
        case "noflip" -> o = o.withFlipAugment(false);
        case "refine" -> o = o.withRefineLandmarks(true);
        case "norefine" -> {
          o = o.withRefineLandmarks(false);
          profileRefine = false;
        }
        default -> throw new IllegalArgumentException("unknown profile option ':" + parts[i] + "' in '" + spec
            + "' (known: flip, noflip, refine, norefine, five=, crop=, detectorpoints, detector=, centre, nocentre)");
      }
    }
    if (parts[0].isBlank()) {
      throw new IllegalArgumentException("empty profile in '" + spec + "'");
    }
    return new Variant(parts[0], o, profileRefine, detector, centre);
  }

  /**
   * The manifest the pipeline opens with: the profile's refinement default and detector replaced when overridden, its
   * centre dropped for {@code :nocentre}.
   */
  public ModelManifest applyTo(ModelManifest manifest) {
    ProfileSpec p = manifest.profile(profile);
    if (profileRefine == null && detector == null && !Boolean.FALSE.equals(centre)) {
      return manifest;
    }
    if (Boolean.FALSE.equals(centre)) {
      p = p.withCentre(null);
    }
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

  /**
   * Refuses {@code :centre} on a profile without an {@code embeddingCentre}: outside {@code --halves} (which fits the
   * centre on the other half and embeds {@link #withoutCentre}) there is nothing to centre with.
   */
  public void checkCentre(ModelManifest manifest) {
    if (Boolean.TRUE.equals(centre) && manifest.profile(profile).centre() == null) {
      throw new IllegalArgumentException("'" + label() + "': profile " + profile + " has no embeddingCentre in the manifest;"
          + " only --halves fits one (on the other half)");
    }
  }

  /** What {@code --halves} embeds: this variant without any centre (it centres afterwards, each half with the other's mean). */
  public Variant withoutCentre() {
    return withCentre(false);
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
        + (options.flipAugment() ? "+flip" : "") + (centre == null ? "" : centre ? "+centre" : "-centre");
  }

  /** The label without the centre switch: embeddings are cached before centring, so both share one cache file. */
  public String embeddingLabel() {
    return withCentre(null).label();
  }
}
