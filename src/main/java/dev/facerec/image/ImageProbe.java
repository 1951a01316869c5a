package dev.facerec.image;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;

/**
 * Validates an uploaded image from its bytes alone, before any decoding: the type comes from the magic
 * bytes, the size from the header, and truncation from the container structure (JPEG end marker, PNG
 * IEND chunk, WebP and BMP declared sizes). Size limits are checked before completeness so a huge
 * "decompression bomb" header is refused as too large however it ends. Every failure is a
 * {@link FaceException}; no other exception escapes for any input.
 */
public final class ImageProbe {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private ImageProbe() {}

  /**
   * Reads type and size of {@code data}.
   *
   * @param maxDimension the largest accepted width or height
   * @param maxPixels the largest accepted width * height
   * @throws FaceException MISSING_IMAGE, UNSUPPORTED_MEDIA_TYPE, IMAGE_TOO_LARGE or IMAGE_CORRUPT
   */
  public static ImageInfo probe(byte[] data, int maxDimension, long maxPixels) {
    if (data == null || data.length == 0) {
      throw new FaceException(Failure.MISSING_IMAGE, "the image is empty");
    }
    ImageFormat format = formatOf(data);
    try {
      ImageInfo info = switch (format) {
        case JPEG -> jpeg(data);
        case PNG -> png(data);
        case WEBP -> webp(data);
        case BMP -> bmp(data);
      };
      checkLimits(info, maxDimension, maxPixels);
      checkComplete(data, format);
      return info;
    } catch (FaceException e) {
      throw e;
    } catch (RuntimeException e) {
      // Typically a header field pointing past the end: the file is cut short.
      throw corrupt(format, "truncated or unreadable header");
    }
  }

  /** The format named by the magic bytes, else UNSUPPORTED_MEDIA_TYPE. */
  public static ImageFormat formatOf(byte[] d) {
    if (d.length >= 3 && u8(d, 0) == 0xFF && u8(d, 1) == 0xD8 && u8(d, 2) == 0xFF) {
      return ImageFormat.JPEG;
    }
    if (startsWith(d, 0, PNG_SIGNATURE)) {
      return ImageFormat.PNG;
    }
    if (d.length >= 12 && ascii(d, 0, "RIFF") && ascii(d, 8, "WEBP")) {
      return ImageFormat.WEBP;
    }
    if (d.length >= 2 && d[0] == 'B' && d[1] == 'M') {
      return ImageFormat.BMP;
    }
    throw new FaceException(Failure.UNSUPPORTED_MEDIA_TYPE, "the image type is not jpeg, png, webp or bmp");
  }

  private static void checkLimits(ImageInfo info, int maxDimension, long maxPixels) {
    int w = info.width();
    int h = info.height();
    if (w > maxDimension || h > maxDimension) {
      throw new FaceException(Failure.IMAGE_TOO_LARGE,
          "the image is " + w + "x" + h + " pixels; width and height must be at most " + maxDimension);
    }
    if ((long) w * h > maxPixels) {
      throw new FaceException(Failure.IMAGE_TOO_MANY_PIXELS,
          "the image is " + w + "x" + h + " = " + (long) w * h + " pixels; at most " + maxPixels + " are accepted");
    }
  }

  // ---- JPEG: walk the marker segments to the first SOFn frame header.

  private static ImageInfo jpeg(byte[] d) {
    int p = 2;
    while (true) {
      if (p >= d.length) {
        // a segment's length points past the end: the upload was cut off
        throw corrupt(ImageFormat.JPEG, "the data ends after " + d.length + " bytes, before the frame header (truncated)");
      }
      if (u8(d, p) != 0xFF) {
        throw corrupt(ImageFormat.JPEG, "no marker at byte " + p + " before the frame header");
      }
      while (p < d.length && u8(d, p) == 0xFF) {
        p++; // fill bytes
      }
      int marker = u8(d, p++);
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue; // stand-alone markers carry no length
      }
      if (marker == 0xD9 || marker == 0xDA) {
        throw corrupt(ImageFormat.JPEG, "no frame header before the image data");
      }
      int len = be16(d, p);
      if (len < 2) {
        throw corrupt(ImageFormat.JPEG, "bad segment length");
      }
      boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) {
        int h = be16(d, p + 3);
        int w = be16(d, p + 5);
        int components = u8(d, p + 7);
        if (w == 0 || h == 0 || (components != 1 && components != 3 && components != 4)) {
          throw corrupt(ImageFormat.JPEG, "bad frame header");
        }
        return new ImageInfo(ImageFormat.JPEG, w, h);
      }
      p += len;
    }
  }

  /**
   * A complete JPEG ends with EOI (FFD9) after the main image's first scan; trailing bytes after it are
   * tolerated up to a bound. Entropy-coded data never holds FF D9 (FF is stuffed as FF 00), and an EXIF
   * thumbnail's own end marker lies before the main scan, so it cannot be mistaken for the end.
   */
  private static boolean jpegHasEnd(byte[] d) {
    int sos = jpegFirstScan(d);
    if (sos < 0) {
      return false;
    }
    int stop = Math.max(sos, d.length - 64 * 1024);
    for (int i = d.length - 2; i > stop; i--) {
      if (u8(d, i) == 0xFF && u8(d, i + 1) == 0xD9) {
        return true;
      }
    }
    return false;
  }

  /** Offset of the first SOS marker reached by walking the segments, or -1. */
  private static int jpegFirstScan(byte[] d) {
    int p = 2;
    while (p + 3 < d.length) {
      if (u8(d, p) != 0xFF) {
        return -1;
      }
      while (p < d.length && u8(d, p) == 0xFF) {
        p++;
      }
      int marker = u8(d, p++);
      if (marker == 0xDA) {
        return p;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue;
      }
      if (marker == 0xD9) {
        return -1;
      }
      int len = be16(d, p);
      if (len < 2) {
        return -1;
      }
      p += len;
    }
    return -1;
  }

  // ---- PNG: IHDR is the first chunk; the chunk chain must reach IEND inside the data.

  private static ImageInfo png(byte[] d) {
    if (d.length < 24 || !ascii(d, 12, "IHDR")) {
      throw corrupt(ImageFormat.PNG, "missing IHDR header");
    }
    long w = be32u(d, 16);
    long h = be32u(d, 20);
    if (w == 0 || h == 0) {
      throw corrupt(ImageFormat.PNG, "zero width or height");
    }
    return new ImageInfo(ImageFormat.PNG, clampInt(w), clampInt(h));
  }

  private static boolean pngHasEnd(byte[] d) {
    long p = 8;
    while (p + 12 <= d.length) {
      long len = be32u(d, (int) p);
      if (ascii(d, (int) p + 4, "IEND")) {
        return true;
      }
      p += 12 + len;
    }
    return false;
  }

  // ---- WebP: RIFF container, then one of the VP8 (lossy), VP8L (lossless) or VP8X (extended) chunks.

  private static ImageInfo webp(byte[] d) {
    if (d.length < 30) {
      throw corrupt(ImageFormat.WEBP, "header too short");
    }
    int w;
    int h;
    if (ascii(d, 12, "VP8 ")) {
      if (u8(d, 23) != 0x9D || u8(d, 24) != 0x01 || u8(d, 25) != 0x2A) {
        throw corrupt(ImageFormat.WEBP, "bad VP8 start code");
      }
      w = le16(d, 26) & 0x3FFF;
      h = le16(d, 28) & 0x3FFF;
    } else if (ascii(d, 12, "VP8L")) {
      if (u8(d, 20) != 0x2F) {
        throw corrupt(ImageFormat.WEBP, "bad VP8L signature");
      }
      long bits = le32u(d, 21);
      w = (int) (bits & 0x3FFF) + 1;
      h = (int) ((bits >> 14) & 0x3FFF) + 1;
    } else if (ascii(d, 12, "VP8X")) {
      w = le24(d, 24) + 1;
      h = le24(d, 27) + 1;
    } else {
      throw corrupt(ImageFormat.WEBP, "unknown WebP chunk");
    }
    if (w == 0 || h == 0) {
      throw corrupt(ImageFormat.WEBP, "zero width or height");
    }
    return new ImageInfo(ImageFormat.WEBP, w, h);
  }

  private static boolean webpComplete(byte[] d) {
    return le32u(d, 4) + 8 <= d.length;
  }

  // ---- BMP: BITMAPFILEHEADER then a DIB header (12-byte core header or 40+ byte info header).

  private static ImageInfo bmp(byte[] d) {
    if (d.length < 26) {
      throw corrupt(ImageFormat.BMP, "header too short");
    }
    long dib = le32u(d, 14);
    long w;
    long h;
    if (dib == 12) {
      w = le16(d, 18);
      h = le16(d, 20);
    } else if (dib >= 40 && dib <= 124) {
      w = le32s(d, 18);
      h = Math.abs((long) le32s(d, 22)); // negative height = top-down rows
    } else {
      throw corrupt(ImageFormat.BMP, "unknown DIB header size " + dib);
    }
    if (w <= 0 || h == 0) {
      throw corrupt(ImageFormat.BMP, "bad width or height");
    }
    return new ImageInfo(ImageFormat.BMP, clampInt(w), clampInt(h));
  }

  private static boolean bmpComplete(byte[] d, ImageInfo info) {
    long declared = le32u(d, 2);
    if (declared > d.length) {
      return false;
    }
    long offset = le32u(d, 10);
    long dib = le32u(d, 14);
    int bitCount = dib == 12 ? le16(d, 24) : le16(d, 28);
    long compression = dib == 12 ? 0 : le32u(d, 30);
    if (compression == 0 || compression == 3) { // BI_RGB, BI_BITFIELDS: rows are stored raw
      long stride = ((long) info.width() * bitCount + 31) / 32 * 4;
      return offset + stride * info.height() <= d.length;
    }
    return offset < d.length;
  }

  private static void checkComplete(byte[] d, ImageFormat f) {
    boolean complete = switch (f) {
      case JPEG -> jpegHasEnd(d);
      case PNG -> pngHasEnd(d);
      case WEBP -> webpComplete(d);
      case BMP -> bmpComplete(d, bmp(d));
    };
    if (!complete) {
      throw corrupt(f, "the data is truncated");
    }
  }

  // ---- byte helpers

  private static FaceException corrupt(ImageFormat f, String why) {
    return new FaceException(Failure.IMAGE_CORRUPT, "corrupt " + f.name().toLowerCase() + " image: " + why);
  }

  private static int clampInt(long v) {
    return (int) Math.min(v, Integer.MAX_VALUE);
  }

  private static int u8(byte[] d, int i) {
    return d[i] & 0xFF;
  }

  private static int be16(byte[] d, int i) {
    return (u8(d, i) << 8) | u8(d, i + 1);
  }

  private static long be32u(byte[] d, int i) {
    return ((long) be16(d, i) << 16) | be16(d, i + 2);
  }

  private static int le16(byte[] d, int i) {
    return u8(d, i) | (u8(d, i + 1) << 8);
  }

  private static int le24(byte[] d, int i) {
    return le16(d, i) | (u8(d, i + 2) << 16);
  }

  private static int le32s(byte[] d, int i) {
    return le16(d, i) | (le16(d, i + 2) << 16);
  }

  private static long le32u(byte[] d, int i) {
    return le32s(d, i) & 0xFFFFFFFFL;
  }

  private static boolean ascii(byte[] d, int off, String s) {
    if (off < 0 || off + s.length() > d.length) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (d[off + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] d, int off, byte[] prefix) {
    if (d.length < off + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (d[off + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
