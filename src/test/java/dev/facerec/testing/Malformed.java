package dev.facerec.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Request bodies that are wrong in the ways clients and fuzzers get them wrong: multipart bodies without a
 * boundary, with another boundary, cut short, with names or headers too long, with too many parts, with the
 * image as a plain field; and images with flipped, cut or inserted bytes. Each comes with the content type to
 * send it under. Deterministic for a given {@link Random}.
 */
public final class Malformed {
  /** A body and the Content-Type it is sent with. */
  public record Body(String kind, String contentType, byte[] bytes) {}

  public static final String BOUNDARY = "----facerecFuzzBoundary7MA4YWxkTrZu0gW";
  /** How many kinds {@link #multipart} makes. */
  public static final int MULTIPART_KINDS = 11;

  private Malformed() {}

  /** The {@code kind}-th malformed multipart body (0 to {@link #MULTIPART_KINDS} - 1) around {@code image}. */
  public static Body multipart(int kind, byte[] image, Random random) {
    String type = "multipart/form-data; boundary=" + BOUNDARY;
    return switch (kind) {
      case 0 -> new Body("no boundary parameter", "multipart/form-data", filePart("file", "a.jpg", image));
      case 1 -> new Body("boundary mismatch", "multipart/form-data; boundary=other-boundary", filePart("file", "a.jpg", image));
      case 2 -> {
        byte[] whole = filePart("file", "a.jpg", image);
        yield new Body("cut short", type, java.util.Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1)));
      }
      case 3 -> new Body("field name too long", type, filePart("f".repeat(20_000), "a.jpg", image));
      case 4 -> new Body("file name too long", type, filePart("file", "n".repeat(20_000) + ".jpg", image));
      case 5 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 2_000; i++) {
          write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f" + i + "\"\r\n\r\nv\r\n");
        }
        out.writeBytes(filePart("file", "a.jpg", image));
        yield new Body("too many parts", type, out.toByteArray());
      }
      case 6 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n");
        out.writeBytes(image);
        write(out, "\r\n--" + BOUNDARY + "--\r\n");
        yield new Body("image as a plain field", type, out.toByteArray());
      }
      case 7 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nX-Padding: "
            + "p".repeat(20_000) + "\r\n\r\n");
        out.writeBytes(image);
        write(out, "\r\n--" + BOUNDARY + "--\r\n");
        yield new Body("part header too long", type, out.toByteArray());
      }
      case 8 -> new Body("garbage", type, randomBytes(random, 1 + random.nextInt(4096)));
      case 9 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n");
        out.writeBytes(image);
        yield new Body("no closing boundary", type, out.toByteArray());
      }
      case 10 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n");
        out.writeBytes(filePart("file", "a.jpg", image));
        yield new Body("part without a name", type, out.toByteArray());
      }
      default -> throw new IllegalArgumentException("kind " + kind);
    };
  }

  /** {@code image} with a few bytes flipped, a piece cut out, bytes inserted, or cut short. */
  public static byte[] mutate(byte[] image, Random random) {
    byte[] b = image.clone();
    switch (random.nextInt(4)) {
      case 0 -> {
        for (int i = 0, n = 1 + random.nextInt(16); i < n; i++) {
          b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
        }
      }
      case 1 -> {
        int from = random.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + random.nextInt(Math.max(1, b.length / 8)));
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, from + len, out, from, b.length - from - len);
        b = out;
      }
      case 2 -> {
        int at = random.nextInt(b.length);
        byte[] noise = randomBytes(random, 1 + random.nextInt(512));
        byte[] out = new byte[b.length + noise.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(noise, 0, out, at, noise.length);
        System.arraycopy(b, at, out, at + noise.length, b.length - at);
        b = out;
      }
      default -> b = java.util.Arrays.copyOf(b, 1 + random.nextInt(b.length - 1));
    }
    return b;
  }

  /** A well-formed multipart body with one file part. */
  public static byte[] filePart(String field, String fileName, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    out.writeBytes(data);
    write(out, "\r\n--" + BOUNDARY + "--\r\n");
    return out.toByteArray();
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
