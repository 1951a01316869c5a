package dev.facerec.eval;

import dev.facerec.model.ModelManifest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeddings of one (variant, image set) kept on disk ({@code --cache DIR}), so that a report can be recomputed
 * without embedding again. A cache file is used only when it holds exactly the requested images; it records the
 * run's timings, which are reported as they were measured. Delete the folder after changing the pipeline.
 */
final class EmbeddingCache {
  private static final int MAGIC = 0x46454d42; // "FEMB"

  private EmbeddingCache() {}

  /** Cached embeddings when {@code dir} holds them for exactly these files, else computed (and stored when dir is set). */
  static Embeddings.Result compute(Path dir, String set, List<Path> files, ModelManifest manifest, Variant variant,
      Path modelsDir, int threads, PrintStream progress) throws IOException {
    Path file = dir == null ? null : dir.resolve(variant.embeddingLabel().replaceAll("[^A-Za-z0-9+._-]", "_") + "-"
        + set.replaceAll("[^A-Za-z0-9+._-]", "_") + ".emb");
    if (file != null && Files.isRegularFile(file)) {
      Embeddings.Result r = read(file);
      HashSet<Path> held = new HashSet<>(r.embeddings().keySet());
      held.addAll(r.failures().keySet());
      if (held.equals(new HashSet<>(files))) {
        progress.printf("  [%s] %s: %d embeddings read from %s (timings of the run that stored them)%n", variant.label(),
            set, r.images(), file);
        return r;
      }
      progress.printf("  [%s] %s: %s holds other images; embedding again%n", variant.label(), set, file);
    }
    Embeddings.Result r = Embeddings.compute(files, manifest, variant, modelsDir, threads, progress);
    if (file != null) {
      Files.createDirectories(dir);
      write(file, r);
    }
    return r;
  }

  static void write(Path file, Embeddings.Result r) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
      out.writeInt(MAGIC);
      out.writeDouble(r.seconds());
      out.writeInt(r.stageSeconds().size());
      for (Map.Entry<String, Double> e : r.stageSeconds().entrySet()) {
        out.writeUTF(e.getKey());
        out.writeDouble(e.getValue());
      }
      out.writeInt(r.embeddings().size());
      for (Map.Entry<Path, float[]> e : r.embeddings().entrySet()) {
        out.writeUTF(e.getKey().toString());
        out.writeInt(e.getValue().length);
        for (float f : e.getValue()) {
          out.writeFloat(f);
        }
      }
      out.writeInt(r.failures().size());
      for (Map.Entry<Path, String> e : r.failures().entrySet()) {
        out.writeUTF(e.getKey().toString());
        out.writeUTF(e.getValue());
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static Embeddings.Result read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + " is not an embedding cache file");
      }
      double seconds = in.readDouble();
      Map<String, Double> stages = new LinkedHashMap<>();
      for (int i = in.readInt(); i > 0; i--) {
        stages.put(in.readUTF(), in.readDouble());
      }
      Map<Path, float[]> emb = new HashMap<>();
      for (int i = in.readInt(); i > 0; i--) {
        Path p = Path.of(in.readUTF());
        float[] v = new float[in.readInt()];
        for (int j = 0; j < v.length; j++) {
          v[j] = in.readFloat();
        }
        emb.put(p, v);
      }
      Map<Path, String> failures = new HashMap<>();
      for (int i = in.readInt(); i > 0; i--) {
        failures.put(Path.of(in.readUTF()), in.readUTF());
      }
      return new Embeddings.Result(emb, failures, seconds, stages);
    }
  }
}
