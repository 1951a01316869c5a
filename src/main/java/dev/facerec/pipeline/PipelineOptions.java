package dev.facerec.pipeline;

import dev.facerec.detect.LandmarkOptions;

/**
 * Limits and switches of a {@link FacePipeline}.
 *
 * @param maxImageDimension largest accepted image width or height (IMAGE_TOO_LARGE above)
 * @param maxPixels largest accepted width * height
 * @param detectMaxSide images are downscaled so their long side is at most this before detection
 * @param maxFaces an image with more faces is refused with TOO_MANY_FACES
 * @param intraOpThreads ONNX Runtime threads per session
 * @param flipAugment embed each face and its mirror image and use the normalised sum
 * @param refineLandmarks replace the detector's own landmarks by the 68-point model's even when the profile
 *     does not (see {@link FacePipeline#open}); false leaves the profile's {@code refineLandmarks} in charge
 * @param processingMaxSide images are decoded (JPEG: reduced by libjpeg) and resized so their long side is at most
 *     this; faces are reported in the original image's coordinates (0: processed at full size)
 * @param landmarks how the 68-point model's points become the 5 alignment points (the evaluation tool's switches;
 *     the service runs the defaults)
 */
public record PipelineOptions(
    int maxImageDimension,
    long maxPixels,
    int detectMaxSide,
    int maxFaces,
    int intraOpThreads,
    boolean flipAugment,
    boolean refineLandmarks,
    int processingMaxSide,
    LandmarkOptions landmarks) {

  public PipelineOptions {
    if (maxImageDimension <= 0 || maxPixels <= 0 || detectMaxSide <= 0 || maxFaces <= 0 || intraOpThreads <= 0 || processingMaxSide < 0) {
      throw new IllegalArgumentException("pipeline limits must be positive");
    }
    if (landmarks == null) {
      throw new IllegalArgumentException("landmark options are required");
    }
  }

  /** The default landmark options. */
  public PipelineOptions(int maxImageDimension, long maxPixels, int detectMaxSide, int maxFaces, int intraOpThreads,
      boolean flipAugment, boolean refineLandmarks, int processingMaxSide) {
    this(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flipAugment, refineLandmarks, processingMaxSide,
        LandmarkOptions.DEFAULT);
  }

  /** Processed at full size (no {@code processingMaxSide}). */
  public PipelineOptions(int maxImageDimension, long maxPixels, int detectMaxSide, int maxFaces, int intraOpThreads,
      boolean flipAugment, boolean refineLandmarks) {
    this(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flipAugment, refineLandmarks, 0, LandmarkOptions.DEFAULT);
  }

  /** 16384 px per side, 40 megapixels, processed at 1920 px, detection at 640 px, 50 faces, 1 thread, no flip, no refinement. */
  public static PipelineOptions defaults() {
    return new PipelineOptions(16384, 40_000_000L, 640, 50, 1, false, false, 1920, LandmarkOptions.DEFAULT);
  }

  public PipelineOptions withIntraOpThreads(int threads) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, threads, flipAugment, refineLandmarks,
        processingMaxSide, landmarks);
  }

  public PipelineOptions withFlipAugment(boolean flip) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flip, refineLandmarks,
        processingMaxSide, landmarks);
  }

  public PipelineOptions withRefineLandmarks(boolean refine) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flipAugment, refine,
        processingMaxSide, landmarks);
  }

  public PipelineOptions withLandmarks(LandmarkOptions l) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flipAugment, refineLandmarks,
        processingMaxSide, l);
  }
}
