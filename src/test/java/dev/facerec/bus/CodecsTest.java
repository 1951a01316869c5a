package dev.facerec.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.quality.FaceQuality;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every message codec through its wire form, as a remote node would receive it (after other bytes in the buffer). */
class CodecsTest {
  static <T> T roundTrip(T message, Class<T> type) {
    RecordCodec<T> codec = Codecs.codec(type);
    Buffer b = Buffer.buffer().appendString("prefix of the cluster frame");
    int pos = b.length();
    codec.encodeToWire(b, message);
    return codec.decodeFromWire(pos, b);
  }

  @Test
  @DisplayName("every registered codec is covered here, one per message record")
  void everyCodecIsCovered() {
    assertEquals(List.of("facerec.InferenceRequest", "facerec.InferenceResult", "facerec.SearchRequest", "facerec.SearchResult",
        "facerec.IndexChange"), Codecs.all().stream().map(RecordCodec::name).toList());
  }

  @Test
  @DisplayName("an inference request carries the image as raw bytes and its deadline as the time remaining")
  void inferenceRequestRoundTrips() {
    byte[] image = new byte[300_000];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 31);
    }
    InferenceRequest req = InferenceRequest.within(image, "SINGLE", "req-1", 5_000);
    Buffer b = Buffer.buffer();
    Codecs.codec(InferenceRequest.class).encodeToWire(b, req);
    assertTrue(b.length() < image.length + 200, "the image is not base64-encoded: " + b.length() + " bytes on the wire");
    InferenceRequest back = roundTrip(req, InferenceRequest.class);
    assertArrayEquals(image, back.image());
    assertEquals("SINGLE", back.selection());
    assertEquals("req-1", back.requestId());
    assertTrue(back.remainingMs() > 4_000 && back.remainingMs() <= 5_000, "remaining " + back.remainingMs());
    InferenceRequest expired = new InferenceRequest(image, "ALL", "r", System.nanoTime() - 1_000_000_000L);
    assertTrue(roundTrip(expired, InferenceRequest.class).expired());
  }

  @Test
  @DisplayName("an inference result keeps faces, landmarks, quality and float32 embeddings bit for bit")
  void inferenceResultRoundTrips() {
    float[] emb = {0.1f, -0.25f, Float.MIN_VALUE, 1e-30f, 0.999f};
    FaceData a = new FaceData(1.5f, 2f, 30f, 40f, new float[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}}, 0.97f, emb,
        new FaceQuality(30f, 0.97f, 123.4, 5.0, -3.0, 2.0));
    FaceData b = new FaceData(100f, 120f, 10f, 12f, new float[][] {{1, 1}}, 0.5f, null, null);
    InferenceResult r = new InferenceResult(640, 480, "model-x", List.of(a, b), 12.5, "n3");
    InferenceResult back = roundTrip(r, InferenceResult.class);
    assertEquals(640, back.width());
    assertEquals("n3", back.node());
    assertEquals("model-x", back.modelId());
    assertArrayEquals(emb, back.faces().get(0).embedding());
    assertEquals(a.quality(), back.faces().get(0).quality());
    assertArrayEquals(a.landmarks()[4], back.faces().get(0).landmarks()[4]);
    assertNull(back.faces().get(1).embedding());
    assertEquals(0.5f, back.faces().get(1).score());
  }

  @Test
  @DisplayName("search requests, results and index changes round-trip")
  void indexMessagesRoundTrip() {
    float[] v = {0.6f, 0.8f, 0f};
    SearchRequest sr = roundTrip(new SearchRequest("default", 3, v, 40), SearchRequest.class);
    assertEquals(3, sr.shard());
    assertArrayEquals(v, sr.vector());
    assertEquals(40, sr.k());
    UUID f = UUID.randomUUID();
    UUID s = UUID.randomUUID();
    SearchResult res = roundTrip(new SearchResult(List.of(new SearchResult.Hit(f, s, 0.73f, 0.81f)), 42), SearchResult.class);
    assertEquals(new SearchResult.Hit(f, s, 0.73f, 0.81f), res.hits().get(0));
    // A hit from a node of the previous version (no subject score): the face score stands in.
    Wire old = new Wire(new io.vertx.core.json.JsonObject().put("seq", 1L).put("hits", new io.vertx.core.json.JsonArray()
        .add(new io.vertx.core.json.JsonArray().add(f.toString()).add(s.toString()).add(0.6f))));
    assertEquals(new SearchResult.Hit(f, s, 0.6f, 0.6f), SearchResult.fromWire(old).hits().get(0));
    assertEquals(42, res.appliedSeq());
    IndexChange add = roundTrip(IndexChange.adding(7, "c", 6, f, s, v), IndexChange.class);
    assertEquals(6, add.shards());
    assertEquals(7, add.seq());
    assertEquals(IndexChange.Op.ADD, add.op());
    assertArrayEquals(v, add.add().get(0).vector());
    IndexChange rm = roundTrip(IndexChange.removing(8, "c", 6, List.of(f, s)), IndexChange.class);
    assertEquals(List.of(f, s), rm.remove());
    assertEquals(IndexChange.Op.REMOVE, rm.op());
  }

  @Test
  @DisplayName("a wire version this node does not speak is refused, not misread")
  void unknownWireVersionIsRefused() {
    Buffer b = Buffer.buffer();
    Codecs.codec(SearchResult.class).encodeToWire(b, new SearchResult(List.of(), 1));
    b.setByte(0, (byte) 9);
    assertThrows(IllegalStateException.class, () -> Codecs.codec(SearchResult.class).decodeFromWire(0, b));
  }
}
