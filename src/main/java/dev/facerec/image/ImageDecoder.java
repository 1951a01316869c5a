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

  private static String name(ImageInfo info) {
    return info.format().name().toLowerCase();
  }
}
