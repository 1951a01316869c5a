package dev.facerec.eval;

import dev.facerec.bus.FaceException;
import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.EmbeddedFace;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Embeds a list of image files once each through {@link FacePipeline} (the service's own code path,
 * {@link FaceSelection#CENTER}), with one pipeline per worker thread and progress lines.
 */
public final class Embeddings {
  /**
   * Embeddings by file; a file whose face could not be found or decoded maps to its failure reason instead.
   *
   * @param seconds wall time of the run (all threads)
   * @param stageSeconds time spent in each pipeline stage (decode, detect, landmarks, align, embed), summed over
   *     threads: divided by the image count, the single-image cost of each stage
   */
  public record Result(Map<Path, float[]> embeddings, Map<Path, String> failures, double seconds,
      Map<String, Double> stageSeconds) {
    public Result(Map<Path, float[]> embeddings, Map<Path, String> failures, double seconds) {
      this(embeddings, failures, seconds, Map.of());
    }

    public float[] get(Path p) {
      return embeddings.get(p);
    }

    public int images() {
      return embeddings.size() + failures.size();
    }
  }

  private Embeddings() {}

  public static Result compute(List<Path> files, ModelManifest manifest, Variant variant, Path modelsDir, int threads,
      PrintStream progress) {
    Map<Path, float[]> out = new ConcurrentHashMap<>();
    Map<Path, String> failures = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<RuntimeException> error = new AtomicReference<>();
    Map<String, LongAdder> stages = new ConcurrentHashMap<>();
    long t0 = System.nanoTime();
    int every = Math.max(50, Math.min(500, files.size() / 20));
    // Open the pipelines on the calling thread so a missing model fails fast with its own message.
    List<FacePipeline> pipelines = new ArrayList<>();
    variant.checkCentre(manifest);
    ModelManifest effective = variant.applyTo(manifest);
    try {
      for (int i = 0; i < Math.max(1, threads); i++) {
        FacePipeline p = FacePipeline.open(effective, variant.profile(), modelsDir, variant.options());
        p.timing((stage, nanos) -> stages.computeIfAbsent(stage, k -> new LongAdder()).add(nanos));
        pipelines.add(p);
      }
      List<Thread> workers = new ArrayList<>();
      for (FacePipeline pipeline : pipelines) {
        Thread t = new Thread(() -> {
          for (int i; error.get() == null && (i = next.getAndIncrement()) < files.size(); ) {
            Path f = files.get(i);
            try {
              List<EmbeddedFace> faces = pipeline.embed(Files.readAllBytes(f), FaceSelection.CENTER);
              out.put(f, faces.get(0).embedding());
            } catch (FaceException e) {
              failures.put(f, e.failure().name() + ": " + e.getMessage());
            } catch (IOException e) {
              failures.put(f, "unreadable: " + e.getMessage());
            } catch (RuntimeException e) {
              error.compareAndSet(null, e);
            }
            int n = done.incrementAndGet();
            if (progress != null && (n % every == 0 || n == files.size())) {
              double s = (System.nanoTime() - t0) / 1e9;
              double rate = n / s;
              progress.printf("  [%s] %d/%d images, %.1f img/s, elapsed %s, ETA %s%n", variant.label(), n, files.size(),
                  rate, duration(s), duration((files.size() - n) / rate));
            }
          }
        }, "embed-" + workers.size());
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pipelines.forEach(FacePipeline::close);
    }
    if (error.get() != null) {
      throw error.get();
    }
    Map<String, Double> stageSeconds = new LinkedHashMap<>();
    for (String stage : List.of("decode", "detect", "landmarks", "align", "embed")) {
      if (stages.containsKey(stage)) {
        stageSeconds.put(stage, stages.get(stage).sum() / 1e9);
      }
    }
    return new Result(out, failures, (System.nanoTime() - t0) / 1e9, stageSeconds);
  }

  static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
  }
}
