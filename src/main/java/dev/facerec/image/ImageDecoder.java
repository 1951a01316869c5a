package dev.facerec.image;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Decodes an image that {@link ImageProbe} accepted into an 8-bit, 3-channel BGR OpenCV {@link Mat}:
 * grey images are expanded, alpha is dropped, 16-bit samples are scaled down, and the EXIF orientation
 * of JPEGs is applied. The caller owns (and must release) the returned Mat.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /**
   * @param info the probe result; the decoded size must agree with it (width and height may swap when
   *     an EXIF orientation rotates the image)
   * @throws FaceException IMAGE_CORRUPT when OpenCV cannot decode the data
   */
  public static Mat decode(byte[] data, ImageInfo info) {
    OpenCv.load();
    Mat bgr;
    MatOfByte buf = new MatOfByte(data);
    try {
      // IMREAD_COLOR gives 8-bit BGR whatever the source (grey, BGRA, 16-bit) and honours EXIF orientation.
      bgr = Imgcodecs.imdecode(buf, Imgcodecs.IMREAD_COLOR);
    } catch (RuntimeException e) {
      throw new FaceException(Failure.IMAGE_CORRUPT, "the " + name(info) + " image cannot be decoded", e);
    } finally {
      buf.release();
    }
    if (bgr == null || bgr.empty() || bgr.type() != CvType.CV_8UC3) {
      if (bgr != null) {
        bgr.release();
      }
      throw new FaceException(Failure.IMAGE_CORRUPT, "the " + name(info) + " image cannot be decoded");
    }
    boolean sameSize = bgr.cols() == info.width() && bgr.rows() == info.height();
    boolean rotated = bgr.cols() == info.height() && bgr.rows() == info.width();
    if (!sameSize && !rotated) {
      String got = bgr.cols() + "x" + bgr.rows();
      bgr.release();
      throw new FaceException(Failure.IMAGE_CORRUPT,
          "the " + name(info) + " header says " + info.width() + "x" + info.height() + " but the image decodes to " + got);
    }
    return bgr;
  }

  /**
   * An image decoded at the processing size: {@code bgr} has its long side at most the limit; {@code width} and
   * {@code height} are the original image's (after its EXIF orientation); {@code scale} = processed / original.
   */
  public record Decoded(Mat bgr, int width, int height, double scale) {}

  /**
   * Decodes with the long side brought down to at most {@code maxSide} (0: full size). A JPEG is decoded reduced
   * by libjpeg (1/2, 1/4 or 1/8: memory and time fall with the square) to the smallest size still at least
   * {@code maxSide}, then every format is resized (area averaging) to fit. Whatever the original size, what is
   * kept in memory is at most maxSide x maxSide pixels beyond the decoder's own work, which the header check
   * ({@code MAX_IMAGE_PIXELS}) bounds.
   */
  public static Decoded decode(byte[] data, ImageInfo info, int maxSide) {
    int longSide = Math.max(info.width(), info.height());
    int denom = 1;
    if (maxSide > 0 && info.format() == ImageFormat.JPEG) {
      for (int d : new int[] {8, 4, 2}) {
        if (longSide / d >= maxSide) {
          denom = d;
          break;
        }
      }
    }
    Mat bgr = denom == 1 ? decode(data, info) : decodeReduced(data, info, denom);
    boolean rotated = bgr.cols() != bgr.rows() && (bgr.cols() > bgr.rows()) != (info.width() > info.height());
    int width = rotated ? info.height() : info.width();
    int height = rotated ? info.width() : info.height();
    if (maxSide > 0 && Math.max(bgr.cols(), bgr.rows()) > maxSide) {
      double s = (double) maxSide / Math.max(bgr.cols(), bgr.rows());
      Mat small = new Mat();
      org.opencv.imgproc.Imgproc.resize(bgr, small, new org.opencv.core.Size(Math.max(1, Math.round(bgr.cols() * s)),
          Math.max(1, Math.round(bgr.rows() * s))), 0, 0, org.opencv.imgproc.Imgproc.INTER_AREA);
      bgr.release();
      bgr = small;
    }
    return new Decoded(bgr, width, height, (double) bgr.cols() / width);
  }

  private static Mat decodeReduced(byte[] data, ImageInfo info, int denom) {
    OpenCv.load();
    int flag = switch (denom) {
      case 2 -> Imgcodecs.IMREAD_REDUCED_COLOR_2;
      case 4 -> Imgcodecs.IMREAD_REDUCED_COLOR_4;
      default -> Imgcodecs.IMREAD_REDUCED_COLOR_8;
    };
    Mat bgr;
    MatOfByte buf = new MatOfByte(data);
    try {
      bgr = Imgcodecs.imdecode(buf, flag);
    } catch (RuntimeException e) {
      throw new FaceException(Failure.IMAGE_CORRUPT, "the " + name(info) + " image cannot be decoded", e);
    } finally {
      buf.release();
    }
    if (bgr == null || bgr.empty() || bgr.type() != CvType.CV_8UC3) {
      if (bgr != null) {
        bgr.release();
      }
      throw new FaceException(Failure.IMAGE_CORRUPT, "the " + name(info) + " image cannot be decoded");
    }
    // libjpeg rounds each side up when it scales by 1/denom
    int w = (info.width() + denom - 1) / denom;
    int h = (info.height() + denom - 1) / denom;
    boolean same = Math.abs(bgr.cols() - w) <= 1 && Math.abs(bgr.rows() - h) <= 1;
    boolean rotated = Math.abs(bgr.cols() - h) <= 1 && Math.abs(bgr.rows() - w) <= 1;
    if (!same && !rotated) {
      String got = bgr.cols() + "x" + bgr.rows();
      bgr.release();
      throw new FaceException(Failure.IMAGE_CORRUPT,
          "the " + name(info) + " header says " + info.width() + "x" + info.height() + " but the image decodes to " + got + " at 1/" + denom);
    }
    return bgr;
  }

  private static String name(ImageInfo info) {
    return info.format().name().toLowerCase();
  }
}
