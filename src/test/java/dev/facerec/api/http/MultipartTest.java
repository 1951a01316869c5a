package dev.facerec.api.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.testing.Malformed;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MultipartTest {
  private static final String TYPE = "multipart/form-data; boundary=" + Malformed.BOUNDARY;
  private static final byte[] IMAGE = new byte[5000];

  static {
    new Random(7).nextBytes(IMAGE);
  }

  private static Failure failureOf(Malformed.Body b) {
    return assertThrows(FaceException.class, () -> Multipart.parse(b.contentType(), Buffer.buffer(b.bytes()), 1 << 20, "file")).failure();
  }

  @Test
  @DisplayName("a well-formed body gives the file part's bytes exactly")
  void readsTheFilePart() {
    Map<String, byte[]> files = Multipart.parse(TYPE, Buffer.buffer(Malformed.filePart("file", "a.jpg", IMAGE)), 1 << 20, "file");
    assertArrayEquals(IMAGE, files.get("file"));
  }

  @Test
  @DisplayName("each kind of malformed body has its documented 400 or 413 code")
  void eachMalformedKindHasItsCode() {
    Random r = new Random(1);
    assertEquals(Failure.MALFORMED_MULTIPART, failureOf(Malformed.multipart(0, IMAGE, r)), "no boundary parameter");
    assertEquals(Failure.MALFORMED_MULTIPART, failureOf(Malformed.multipart(1, IMAGE, r)), "boundary mismatch");
    assertEquals(Failure.MULTIPART_TOO_MANY_PARTS, failureOf(Malformed.multipart(5, IMAGE, r)), "too many parts");
    assertEquals(Failure.MISSING_IMAGE, failureOf(Malformed.multipart(6, IMAGE, r)), "image as a plain field");
    assertEquals(Failure.MALFORMED_MULTIPART, failureOf(Malformed.multipart(8, IMAGE, r)), "garbage");
    for (int kind = 0; kind < Malformed.MULTIPART_KINDS; kind++) {
      for (int i = 0; i < 20; i++) {
        Malformed.Body b = Malformed.multipart(kind, IMAGE, r);
        try {
          Multipart.parse(b.contentType(), Buffer.buffer(b.bytes()), 1 << 20, "file");
        } catch (FaceException e) {
          int status = e.failure().httpStatus();
          org.junit.jupiter.api.Assertions.assertTrue(status == 400 || status == 413, b.kind() + ": " + e.failure());
        }
      }
    }
  }

  @Test
  @DisplayName("a part over the body limit is BODY_TOO_LARGE")
  void partOverTheLimit() {
    FaceException e = assertThrows(FaceException.class,
        () -> Multipart.parse(TYPE, Buffer.buffer(Malformed.filePart("file", "a.jpg", IMAGE)), 1000, "file"));
    assertEquals(413, e.failure().httpStatus());
  }
}
