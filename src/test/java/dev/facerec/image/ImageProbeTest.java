package dev.facerec.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

@DisplayName("ImageProbe reads type and size from headers and refuses bad uploads; ImageDecoder gives BGR")
class ImageProbeTest {
  private static final int MAX_DIM = 1920;
  private static final long MAX_PIXELS = 1920L * 1920;

  @BeforeAll
  static void loadOpenCv() {
    OpenCv.load();
  }

  private static ImageInfo probe(byte[] data) {
    return ImageProbe.probe(data, MAX_DIM, MAX_PIXELS);
  }

  private static Failure failureOf(byte[] data) {
    return assertThrows(FaceException.class, () -> probe(data)).failure();
  }

  private static byte[] face(String relative) throws IOException {
    return Files.readAllBytes(TestData.faces().resolve(relative));
  }

  /** A synthetic 3-channel image (a gradient, so encoders produce non-trivial data). */
  private static byte[] encode(String ext, int w, int h, int... params) {
    Mat m = new Mat(h, w, CvType.CV_8UC3, new Scalar(40, 120, 200));
    Imgproc.circle(m, new org.opencv.core.Point(w / 2.0, h / 2.0), Math.min(w, h) / 3, new Scalar(250, 250, 250), -1);
    MatOfByte out = new MatOfByte();
    assertTrue(Imgcodecs.imencode(ext, m, out, new MatOfInt(params)));
    byte[] b = out.toArray();
    m.release();
    out.release();
    return b;
  }

  @Test
  void readsJpegSizeFromRealPhotos() throws IOException {
    assertEquals(new ImageInfo(ImageFormat.JPEG, 320, 240), probe(face("face_recognition_examples/Barack_Obama/5.jpg")));
    assertEquals(new ImageInfo(ImageFormat.JPEG, 1366, 768), probe(face("groups/faceapi_bbt1.jpg")));
    assertEquals(new ImageInfo(ImageFormat.JPEG, 501, 700), probe(face("groups/ageitgey_kit_with_rose.jpg")));
  }

  @Test
  void readsPngSizeFromRealGreyImages() throws IOException {
    assertEquals(new ImageInfo(ImageFormat.PNG, 92, 112), probe(face("orl/s1/1.png")));
    Path yale = Files.list(TestData.faces().resolve("yale/subject01")).sorted().findFirst().orElseThrow();
    assertEquals(new ImageInfo(ImageFormat.PNG, 320, 243), probe(Files.readAllBytes(yale)));
  }

  @Test
  void readsSizeOfEveryFormatFromEncodedImages() {
    assertEquals(new ImageInfo(ImageFormat.JPEG, 321, 123), probe(encode(".jpg", 321, 123)));
    assertEquals(new ImageInfo(ImageFormat.JPEG, 77, 301),
        probe(encode(".jpg", 77, 301, Imgcodecs.IMWRITE_JPEG_PROGRESSIVE, 1)));
    assertEquals(new ImageInfo(ImageFormat.PNG, 333, 17), probe(encode(".png", 333, 17)));
    assertEquals(new ImageInfo(ImageFormat.BMP, 101, 55), probe(encode(".bmp", 101, 55)));
    byte[] lossy = encode(".webp", 241, 97, Imgcodecs.IMWRITE_WEBP_QUALITY, 80);
    assertEquals("VP8 ", new String(lossy, 12, 4, StandardCharsets.US_ASCII));
    assertEquals(new ImageInfo(ImageFormat.WEBP, 241, 97), probe(lossy));
    byte[] lossless = encode(".webp", 199, 301, Imgcodecs.IMWRITE_WEBP_QUALITY, 101);
    assertEquals("VP8L", new String(lossless, 12, 4, StandardCharsets.US_ASCII));
    assertEquals(new ImageInfo(ImageFormat.WEBP, 199, 301), probe(lossless));
  }

  @Test
  void readsWebpExtendedHeader() {
    ByteBuffer b = ByteBuffer.allocate(30 + 10).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(32).put("WEBPVP8X".getBytes(StandardCharsets.US_ASCII));
    b.putInt(10).put((byte) 0).put(new byte[3]);
    b.put((byte) (639 & 0xFF)).put((byte) (639 >> 8)).put((byte) 0); // width - 1, 24-bit
    b.put((byte) (479 & 0xFF)).put((byte) (479 >> 8)).put((byte) 0); // height - 1
    assertEquals(new ImageInfo(ImageFormat.WEBP, 640, 480), probe(b.array()));
  }

  /** BITMAPFILEHEADER + BITMAPINFOHEADER for a 24-bit uncompressed image, pixel rows zero-filled. */
  private static byte[] bmp(int width, int height) {
    int stride = (width * 24 + 31) / 32 * 4;
    int size = 54 + stride * Math.abs(height);
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(size).putInt(0).putInt(54);
    b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 24).putInt(0).putInt(stride * Math.abs(height));
    return b.array();
  }

  @Test
  void readsBmpWithNegativeHeightAsTopDown() {
    assertEquals(new ImageInfo(ImageFormat.BMP, 30, 20), probe(bmp(30, -20)));
    Mat m = ImageDecoder.decode(bmp(30, -20), probe(bmp(30, -20)));
    assertEquals(30, m.cols());
    assertEquals(20, m.rows());
    m.release();
  }

  @Test
  void readsBmpCoreHeader() {
    int stride = (7 * 24 + 31) / 32 * 4;
    int size = 26 + stride * 5;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(size).putInt(0).putInt(26);
    b.putInt(12).putShort((short) 7).putShort((short) 5).putShort((short) 1).putShort((short) 24);
    assertEquals(new ImageInfo(ImageFormat.BMP, 7, 5), probe(b.array()));
  }

  /** A PNG signature plus a valid IHDR chunk (with CRC) and nothing else. */
  private static byte[] pngHeader(long width, long height) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    b.putInt(13);
    int crcFrom = b.position();
    b.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt((int) width).putInt((int) height);
    b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(b.array(), crcFrom, 17);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  @Test
  @DisplayName("a 50000x50000 PNG header is refused as too large without being decoded")
  void refusesHugePngHeaderAsTooLarge() {
    FaceException e = assertThrows(FaceException.class, () -> probe(pngHeader(50_000, 50_000)));
    assertEquals(Failure.IMAGE_TOO_LARGE, e.failure());
    assertTrue(e.getMessage().contains("50000x50000") && e.getMessage().contains("1920"), e.getMessage());
    assertEquals(413, e.failure().httpStatus());
  }

  @Test
  void refusesTooManyPixelsEvenWhenEachSideFits() {
    FaceException e = assertThrows(FaceException.class, () -> ImageProbe.probe(pngHeader(1000, 1000), 1920, 500_000));
    assertEquals(Failure.IMAGE_TOO_MANY_PIXELS, e.failure());
    assertTrue(e.getMessage().contains("500000"), e.getMessage());
    // 2000 > 1920 on one side only
    assertEquals(Failure.IMAGE_TOO_LARGE, failureOf(encode(".jpg", 2000, 10)));
  }

  @Test
  void refusesTruncatedJpegAndPngAsCorrupt() throws IOException {
    byte[] jpg = face("face_recognition_examples/Barack_Obama/5.jpg");
    probe(jpg);
    for (int cut : new int[] {jpg.length - 2, jpg.length - 100, jpg.length / 2, 600, 40, 4}) {
      assertEquals(Failure.IMAGE_CORRUPT, failureOf(Arrays.copyOf(jpg, cut)), "JPEG cut at " + cut);
    }
    // cut inside the EXIF segment: the message says the data ended, not a byte offset beyond the end
    byte[] exif = face("face_recognition_examples/Barack_Obama/1.jpg");
    FaceException cutInExif = assertThrows(FaceException.class, () -> probe(Arrays.copyOf(exif, 3000)));
    assertEquals(Failure.IMAGE_CORRUPT, cutInExif.failure());
    assertTrue(cutInExif.getMessage().contains("ends after 3000 bytes"), cutInExif.getMessage());
    byte[] png = face("orl/s1/1.png");
    probe(png);
    for (int cut : new int[] {png.length - 1, png.length - 12, png.length / 2, 40, 20, 9}) {
      assertEquals(Failure.IMAGE_CORRUPT, failureOf(Arrays.copyOf(png, cut)), "PNG cut at " + cut);
    }
    byte[] webp = encode(".webp", 64, 64);
    assertEquals(Failure.IMAGE_CORRUPT, failureOf(Arrays.copyOf(webp, webp.length - 10)));
    byte[] bmp = encode(".bmp", 64, 64);
    assertEquals(Failure.IMAGE_CORRUPT, failureOf(Arrays.copyOf(bmp, bmp.length - 10)));
  }

  @Test
  void refusesTextAndGifAsUnsupported() {
    assertEquals(Failure.UNSUPPORTED_MEDIA_TYPE, failureOf("hello, this is not an image".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Failure.UNSUPPORTED_MEDIA_TYPE, failureOf("GIF89a\u0001\u0000\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals(Failure.UNSUPPORTED_MEDIA_TYPE, failureOf(new byte[] {(byte) 0xFF}));
    assertEquals(415, Failure.UNSUPPORTED_MEDIA_TYPE.httpStatus());
  }

  @Test
  void refusesEmptyUploadAsMissing() {
    assertEquals(Failure.MISSING_IMAGE, failureOf(new byte[0]));
    assertEquals(Failure.MISSING_IMAGE, failureOf(null));
  }

  @Test
  void decodesGreyAndAlphaImagesToThreeChannelBgr() throws IOException {
    byte[] grey = face("orl/s1/1.png");
    Mat m = ImageDecoder.decode(grey, probe(grey));
    assertEquals(CvType.CV_8UC3, m.type());
    assertEquals(92, m.cols());
    m.release();

    Mat bgra = new Mat(40, 50, CvType.CV_8UC4, new Scalar(10, 20, 30, 128));
    MatOfByte buf = new MatOfByte();
    Imgcodecs.imencode(".png", bgra, buf);
    byte[] png = buf.toArray();
    Mat decoded = ImageDecoder.decode(png, probe(png));
    assertEquals(CvType.CV_8UC3, decoded.type());
    assertEquals(50, decoded.cols());
    assertEquals(40, decoded.rows());
    double[] px = decoded.get(0, 0);
    assertEquals(10, px[0], 0.5);
    assertEquals(30, px[2], 0.5);
    decoded.release();
    bgra.release();
    buf.release();

    for (String ext : new String[] {".webp", ".bmp", ".jpg"}) {
      byte[] data = encode(ext, 65, 43);
      Mat d = ImageDecoder.decode(data, probe(data));
      assertEquals(CvType.CV_8UC3, d.type(), ext);
      assertEquals(65, d.cols(), ext);
      d.release();
    }
  }

  @Test
  void decoderRefusesDataThatDoesNotDecodeAsCorrupt() {
    // A header that passes the probe, but the pixel data is garbage.
    byte[] png = pngHeader(10, 10);
    byte[] fake = Arrays.copyOf(png, png.length + 12);
    System.arraycopy(new byte[] {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82}, 0, fake, png.length, 12);
    ImageInfo info = probe(fake);
    FaceException e = assertThrows(FaceException.class, () -> ImageDecoder.decode(fake, info));
    assertEquals(Failure.IMAGE_CORRUPT, e.failure());
  }

  @Test
  @DisplayName("random, truncated and bit-flipped inputs only ever fail with a FaceException")
  void neverThrowsAnythingButFaceExceptionOnFuzzedInput() throws IOException {
    Random rnd = new Random(42);
    byte[][] seeds = {
      face("face_recognition_examples/Barack_Obama/5.jpg"), face("orl/s1/1.png"), encode(".webp", 48, 48),
      encode(".bmp", 48, 48), encode(".webp", 48, 48, Imgcodecs.IMWRITE_WEBP_QUALITY, 101)
    };
    int decoded = 0;
    for (int i = 0; i < 600; i++) {
      byte[] data;
      byte[] seed = seeds[i % seeds.length];
      switch (i % 4) {
        case 0 -> { // pure noise
          data = new byte[rnd.nextInt(200)];
          rnd.nextBytes(data);
        }
        case 1 -> data = Arrays.copyOf(seed, rnd.nextInt(seed.length)); // truncated
        case 2 -> { // a real header, then noise
          data = Arrays.copyOf(seed, seed.length);
          int from = Math.min(data.length - 1, 2 + rnd.nextInt(64));
          for (int k = from; k < data.length; k++) {
            data[k] = (byte) rnd.nextInt();
          }
        }
        default -> { // a few bytes flipped anywhere, headers included
          data = Arrays.copyOf(seed, seed.length);
          for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
            data[rnd.nextInt(data.length)] ^= (byte) (1 << rnd.nextInt(8));
          }
        }
      }
      try {
        ImageInfo info = probe(data);
        Mat m = ImageDecoder.decode(data, info);
        assertEquals(CvType.CV_8UC3, m.type());
        m.release();
        decoded++;
      } catch (FaceException expected) {
        // any code is fine: the point is that nothing else escapes
      } catch (Throwable t) {
        fail("input " + i + " threw " + t, t);
      }
    }
    assertTrue(decoded > 0, "some bit-flipped images should still decode");
  }
}
