package dev.facerec.pipeline;

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
 */
public record PipelineOptions(
    int maxImageDimension,
    long maxPixels,
    int detectMaxSide,
    int maxFaces,
    int intraOpThreads,
    boolean flipAugment,
    boolean refineLandmarks) {

  public PipelineOptions {
    if (maxImageDimension <= 0 || maxPixels <= 0 || detectMaxSide <= 0 || maxFaces <= 0 || intraOpThreads <= 0) {
      throw new IllegalArgumentException("pipeline limits must be positive");
    }
  }

  /** 1920 px per side, 1920*1920 pixels, detection at 640 px, 50 faces, 1 thread, no flip, no refinement. */
  public static PipelineOptions defaults() {
    return new PipelineOptions(1920, 1920L * 1920, 640, 50, 1, false, false);
  }

  public PipelineOptions withIntraOpThreads(int threads) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, threads, flipAugment, refineLandmarks);
  }

  public PipelineOptions withFlipAugment(boolean flip) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flip, refineLandmarks);
  }

  public PipelineOptions withRefineLandmarks(boolean refine) {
    return new PipelineOptions(maxImageDimension, maxPixels, detectMaxSide, maxFaces, intraOpThreads, flipAugment, refine);
  }
}
