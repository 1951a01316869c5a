package dev.facerec.bench;

import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pipeline throughput (validate + decode + detect + align + embed) over the first N LFW images, with 1 and
 * 2 threads (one {@link FacePipeline} per thread, as the service runs one per inference worker).
 *
 * <p>Args: {@code [images=500] [profiles=faceplugin,yunet-mobilefacenet]}.
 */
public final class PipelineBench {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    String[] profiles = (args.length > 1 ? args[1] : "faceplugin,yunet-mobilefacenet").split(",");
    List<byte[]> images = new ArrayList<>();
    for (List<Path> id : TestData.lfwIdentities(1)) {
      for (Path p : id) {
        if (images.size() < n) {
          images.add(Files.readAllBytes(p));
        }
      }
    }
    ModelManifest manifest = TestData.manifest();
    System.out.printf("pipeline throughput, %d LFW images (250x250), detect+align+embed, CENTER face%n", images.size());
    System.out.printf("%-22s %8s %10s %12s%n", "profile", "threads", "images/s", "ms/image");
    for (String profile : profiles) {
      Path models = TestData.modelsDir(profile);
      for (int threads : new int[] {1, 2}) {
        List<FacePipeline> pipelines = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          pipelines.add(FacePipeline.open(manifest, profile, models, PipelineOptions.defaults()));
        }
        // warm-up: the first runs pay for ONNX Runtime's lazy initialisation
        for (FacePipeline p : pipelines) {
          for (int i = 0; i < 10; i++) {
            p.embed(images.get(i), FaceSelection.CENTER);
          }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (FacePipeline p : pipelines) {
          fs.add(pool.submit(() -> {
            for (int i; (i = next.getAndIncrement()) < images.size(); ) {
              p.embed(images.get(i), FaceSelection.CENTER);
            }
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        if (threads == 1) {
          stages(pipelines.get(0), images);
        }
        pipelines.forEach(FacePipeline::close);
        System.out.printf("%-22s %8d %10.1f %12.2f%n", profile, threads, images.size() / secs, secs * 1000 * threads / images.size());
      }
    }
  }

  /** Mean milliseconds of each stage over the images, one thread (after the timed run, so warm). */
  static void stages(FacePipeline p, List<byte[]> images) {
    java.util.Map<String, long[]> sums = new java.util.TreeMap<>();
    p.timing((stage, nanos) -> sums.computeIfAbsent(stage, s -> new long[2])[0] += nanos);
    long t0 = System.nanoTime();
    for (byte[] img : images) {
      p.embed(img, FaceSelection.CENTER);
    }
    long total = System.nanoTime() - t0;
    p.timing((stage, nanos) -> { });
    StringBuilder out = new StringBuilder("  stages, ms per image:");
    long staged = 0;
    for (var e : sums.entrySet()) {
      out.append(String.format(" %s %.2f", e.getKey(), e.getValue()[0] / 1e6 / images.size()));
      staged += e.getValue()[0];
    }
    out.append(String.format(" other %.2f (total %.2f)", (total - staged) / 1e6 / images.size(), total / 1e6 / images.size()));
    System.out.println(out);
  }
}
