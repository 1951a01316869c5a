package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.pipeline.PipelineOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The embedding cache of evaluate --halves: round trip, used only for exactly the same images")
class EmbeddingCacheTest {
  @TempDir Path tmp;

  @Test
  @DisplayName("embeddings, failures and timings survive a write and read")
  void roundTrip() throws IOException {
    Embeddings.Result r = new Embeddings.Result(Map.of(Path.of("a/1.jpg"), new float[] {0.6f, 0.8f}),
        Map.of(Path.of("b/1.jpg"), "NO_FACE: none"), 12.5, Map.of("detect", 3.0));
    Path f = tmp.resolve("x.emb");
    EmbeddingCache.write(f, r);
    Embeddings.Result back = EmbeddingCache.read(f);
    assertArrayEquals(new float[] {0.6f, 0.8f}, back.get(Path.of("a/1.jpg")));
    assertEquals("NO_FACE: none", back.failures().get(Path.of("b/1.jpg")));
    assertEquals(12.5, back.seconds());
    assertEquals(3.0, back.stageSeconds().get("detect"));
  }

  @Test
  @DisplayName("a cache holding exactly the asked images is read (no models needed); other images are embedded again")
  void usedOnlyForTheSameImages() throws IOException {
    Variant v = Variant.parse("faceplugin:flip", PipelineOptions.defaults());
    Embeddings.Result r = new Embeddings.Result(Map.of(Path.of("a/1.jpg"), new float[] {1f}, Path.of("a/2.jpg"),
        new float[] {1f}), Map.of(), 1, Map.of());
    EmbeddingCache.write(tmp.resolve("faceplugin+flip-lfw.emb"), r);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    Embeddings.Result got = EmbeddingCache.compute(tmp, "lfw", List.of(Path.of("a/2.jpg"), Path.of("a/1.jpg")), null, v,
        tmp, 1, out);
    assertEquals(2, got.embeddings().size());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("read from"));
    // Another image set: the cache is not used, and embedding with no manifest fails instead of answering stale data.
    assertThrows(RuntimeException.class, () -> EmbeddingCache.compute(tmp, "lfw", List.of(Path.of("a/1.jpg")), null, v,
        tmp, 1, out));
    Files.writeString(tmp.resolve("bad.emb"), "not a cache");
    assertThrows(IOException.class, () -> EmbeddingCache.read(tmp.resolve("bad.emb")));
  }
}
