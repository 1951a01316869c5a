package dev.facerec.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.testing.RandomVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("InnerProduct: the index's distance with the Vector API, and its scalar fallback")
class InnerProductTest {
  @Test
  @DisplayName("the tests run the way the service is launched: with the Vector API")
  void vectorApiInUse() {
    assertTrue(InnerProduct.vectorized(), "surefire's argLine adds --add-modules jdk.incubator.vector, as README command 1 and the image do");
  }

  @Test
  @DisplayName("the Vector API gives the scalar loop's distance, for lengths that fill the lanes and ones that leave a tail")
  void sameAsScalar() {
    Random random = new Random(5);
    for (int dim : new int[] {1, 3, 7, 16, 100, 128, 131, 512, 640}) {
      for (int i = 0; i < 50; i++) {
        float[] a = RandomVectors.unit(random, dim);
        float[] b = RandomVectors.unit(random, dim);
        assertEquals(InnerProduct.scalar().distance(a, b), InnerProduct.best().distance(a, b), 1e-5, dim + "-d");
      }
      float[] a = RandomVectors.unit(random, dim);
      assertEquals(0f, InnerProduct.best().distance(a, a), 1e-5, "a unit vector is at distance 0 from itself");
    }
  }

  @Test
  @DisplayName("a serialised distance (inside a snapshot) comes back as the best this JVM has")
  void serialisesPortably() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(InnerProduct.best());
    }
    assertTrue(!new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("SimdInnerProduct"),
        "the snapshot names the portable wrapper, not the Vector API class");
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      InnerProduct back = (InnerProduct) in.readObject();
      float[] a = {0.6f, 0.8f};
      float[] b = {0.8f, 0.6f};
      assertEquals(1 - 0.96f, back.distance(a, b), 1e-6);
    }
  }
}
