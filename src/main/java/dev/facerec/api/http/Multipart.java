package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a complete {@code multipart/form-data} body held in memory (never on disk: images are biometric
 * data) and returns the file parts wanted. Every way a body can be wrong ends as a documented code:
 * {@code MALFORMED_MULTIPART} (no or a mismatched boundary, a structure the parser cannot follow),
 * {@code MULTIPART_TOO_MANY_PARTS} (over {@link #MAX_PARTS} parts), {@code MULTIPART_PART_TOO_LARGE} (a part's
 * headers or a plain field over {@link #MAX_PART_HEADER_BYTES}), {@code MISSING_IMAGE} (a wanted field absent,
 * empty, or sent as a plain field instead of a file). Plain class, no Vert.x event loop involved.
 */
public final class Multipart {
  /** The most parts a body may hold: detect, identify and enroll take one image, verify two. */
  public static final int MAX_PARTS = 16;
  /** The most bytes of part headers, or of a plain (non-file) field, the parser buffers. */
  public static final int MAX_PART_HEADER_BYTES = 8 * 1024;
  /** RFC 2046: a boundary is 1 to 70 characters. */
  private static final int MAX_BOUNDARY = 70;

  private Multipart() {}

  /** The wanted file fields of {@code body}, sent under {@code contentType}; a failed future with a documented code otherwise. */
  public static Future<Map<String, byte[]>> files(String contentType, Buffer body, long maxBytes, String... fields) {
    try {
      return Future.succeededFuture(parse(contentType, body, maxBytes, fields));
    } catch (FaceException e) {
      return Future.failedFuture(e);
    }
  }

  static Map<String, byte[]> parse(String contentType, Buffer body, long maxBytes, String... fields) {
    String boundary = boundary(contentType);
    if (body.length() == 0) {
      throw new FaceException(Failure.MISSING_IMAGE, "the request body is empty");
    }
    if (indexOf(body.getBytes(), ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1)) < 0) {
      throw malformed("the body does not hold the boundary declared in Content-Type");
    }
    DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    DefaultHttpDataFactory factory = new DefaultHttpDataFactory(false); // in memory only
    factory.setMaxLimit(maxBytes);
    HttpPostMultipartRequestDecoder decoder;
    try {
      decoder = new HttpPostMultipartRequestDecoder(factory, head, StandardCharsets.UTF_8, MAX_PARTS, MAX_PART_HEADER_BYTES);
    } catch (RuntimeException e) {
      throw malformed("the Content-Type header cannot be parsed");
    }
    try {
      decoder.offer(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body.getBytes())));
      Map<String, byte[]> out = new HashMap<>();
      for (String f : fields) {
        InterfaceHttpData part = decoder.getBodyHttpData(f);
        if (part == null) {
          throw new FaceException(Failure.MISSING_IMAGE, "multipart field '" + f + "' with an image is missing");
        }
        if (!(part instanceof FileUpload upload)) {
          throw new FaceException(Failure.MISSING_IMAGE, "multipart field '" + f + "' must be a file part (with a filename), "
              + "e.g. curl -F " + f + "=@photo.jpg");
        }
        byte[] bytes = upload.get();
        if (bytes.length == 0) {
          throw new FaceException(Failure.MISSING_IMAGE, "multipart field '" + f + "' is empty");
        }
        out.put(f, bytes);
      }
      return out;
    } catch (FaceException e) {
      throw e;
    } catch (HttpPostRequestDecoder.TooManyFormFieldsException e) {
      throw new FaceException(Failure.MULTIPART_TOO_MANY_PARTS, "the body holds more than " + MAX_PARTS + " parts");
    } catch (HttpPostRequestDecoder.TooLongFormFieldException e) {
      throw new FaceException(Failure.MULTIPART_PART_TOO_LARGE, "a part's headers or a plain field are over "
          + MAX_PART_HEADER_BYTES + " bytes");
    } catch (java.io.IOException e) {
      throw new FaceException(Failure.BODY_TOO_LARGE, "a part is over the limit of " + maxBytes + " bytes");
    } catch (RuntimeException e) {
      // ErrorDataDecoderException, NotEnoughDataDecoderException, and whatever else a hostile body provokes.
      Throwable root = e.getCause() != null ? e.getCause() : e;
      if (root instanceof java.io.IOException) {
        throw new FaceException(Failure.MULTIPART_PART_TOO_LARGE, "a plain field is over " + maxBytes + " bytes");
      }
      throw malformed("the multipart body cannot be parsed (a part is cut short or its headers are wrong)");
    } finally {
      decoder.destroy();
    }
  }

  /** The boundary parameter of a multipart content type, else MALFORMED_MULTIPART. */
  static String boundary(String contentType) {
    if (contentType == null) {
      throw malformed("Content-Type is missing");
    }
    for (String param : contentType.split(";")) {
      String p = param.trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("boundary")) {
        String b = p.substring(eq + 1).trim();
        if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
          b = b.substring(1, b.length() - 1);
        }
        if (b.isEmpty() || b.length() > MAX_BOUNDARY || !b.chars().allMatch(c -> c > 0x20 && c < 0x7f || c == ' ')) {
          throw malformed("the boundary parameter must be 1 to " + MAX_BOUNDARY + " printable characters");
        }
        return b;
      }
    }
    throw malformed("multipart/form-data needs a boundary parameter in Content-Type");
  }

  private static FaceException malformed(String message) {
    return new FaceException(Failure.MALFORMED_MULTIPART, message);
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
