package dev.facerec.detect;

import java.util.Locale;

/**
 * How the 68-point model's output becomes the 5 alignment points: which of the 68 points make each of the 5,
 * which box the model is run on, and whether the detector's own 5 points are averaged in. The defaults are the
 * vendor's mapping on the detector's box; the others are the alternatives docs/accuracy.md measured with the
 * identity-disjoint halves protocol (the evaluation tool's {@code :five=}, {@code :crop=} and
 * {@code :detectorpoints} switches).
 *
 * @param fivePoints which 68-point indices are averaged into each of the 5 points
 * @param crop the box the 68-point model sees
 * @param withDetectorPoints average the result with the detector's own 5 points when it has them
 */
public record LandmarkOptions(FivePoints fivePoints, Crop crop, boolean withDetectorPoints) {
  public static final LandmarkOptions DEFAULT = new LandmarkOptions(FivePoints.VENDOR, Crop.DETECTOR, false);

  public LandmarkOptions {
    if (fivePoints == null || crop == null) {
      throw new IllegalArgumentException("fivePoints and crop are required");
    }
  }

  /**
   * The 68 -> 5 reductions (iBUG 0-based indices; 36-41 is the image-left eye). Each entry lists the points
   * averaged into right eye, left eye, nose tip, right and left mouth corner (template order).
   */
  public enum FivePoints {
    /** The vendor's: eye = 4 lid points, nose tip 30, mouth corner = mean of outer and inner corner. */
    VENDOR(new int[][] {{37, 38, 40, 41}, {43, 44, 46, 47}, {30}, {48, 60}, {54, 64}}),
    /** Eye = all 6 eye points (corners included). */
    EYES6(new int[][] {{36, 37, 38, 39, 40, 41}, {42, 43, 44, 45, 46, 47}, {30}, {48, 60}, {54, 64}}),
    /** Mouth corner = the outer corner only. */
    MOUTH_OUTER(new int[][] {{37, 38, 40, 41}, {43, 44, 46, 47}, {30}, {48}, {54}}),
    /** Both of the above. */
    EYES6_MOUTH_OUTER(new int[][] {{36, 37, 38, 39, 40, 41}, {42, 43, 44, 45, 46, 47}, {30}, {48}, {54}});

    private final int[][] indices;

    FivePoints(int[][] indices) {
      this.indices = indices;
    }

    /** The 5 points of 68, each the mean of its indices. */
    public float[][] reduce(float[][] pts68) {
      float[][] five = new float[5][2];
      for (int k = 0; k < 5; k++) {
        for (int idx : indices[k]) {
          five[k][0] += pts68[idx][0] / indices[k].length;
          five[k][1] += pts68[idx][1] / indices[k].length;
        }
      }
      return five;
    }
  }

  /** The box the 68-point model is run on. */
  public enum Crop {
    /** The detector's box, clipped to the image. */
    DETECTOR,
    /**
     * A second run on a box placed from the first run's 68 points: where the points fall in a YuNet box on average
     * (their bounding box's centre at 49.3 % / 61.7 % of the box, its size 97.6 % / 77.8 % of the box's; the 2142
     * LFW images of half A of seed 14), so every face reaches the model placed the same way whatever the detector's
     * jitter.
     */
    TWO_PASS
  }

  /** Parses a {@code :five=} value: vendor, eyes6, mouthouter, eyes6mouthouter. */
  public static FivePoints fivePoints(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "vendor" -> FivePoints.VENDOR;
      case "eyes6" -> FivePoints.EYES6;
      case "mouthouter" -> FivePoints.MOUTH_OUTER;
      case "eyes6mouthouter" -> FivePoints.EYES6_MOUTH_OUTER;
      default -> throw new IllegalArgumentException("unknown five-point reduction '" + s
          + "' (known: vendor, eyes6, mouthouter, eyes6mouthouter)");
    };
  }

  /** Parses a {@code :crop=} value: detector, twopass. */
  public static Crop crop(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "detector" -> Crop.DETECTOR;
      case "twopass" -> Crop.TWO_PASS;
      default -> throw new IllegalArgumentException("unknown landmark crop '" + s + "' (known: detector, twopass)");
    };
  }

  /** The suffix the evaluation tool labels a variant with; empty for the defaults. */
  public String label() {
    return (fivePoints == FivePoints.VENDOR ? "" : "+five=" + fivePoints.name().toLowerCase(Locale.ROOT).replace("_", ""))
        + (crop == Crop.DETECTOR ? "" : "+crop=" + crop.name().toLowerCase(Locale.ROOT).replace("_", ""))
        + (withDetectorPoints ? "+detectorpoints" : "");
  }

  public LandmarkOptions withFivePoints(FivePoints f) {
    return new LandmarkOptions(f, crop, withDetectorPoints);
  }

  public LandmarkOptions withCrop(Crop c) {
    return new LandmarkOptions(fivePoints, c, withDetectorPoints);
  }

  public LandmarkOptions withDetectorPoints(boolean on) {
    return new LandmarkOptions(fivePoints, crop, on);
  }
}
