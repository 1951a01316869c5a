package dev.facerec.bench.jmh;

import dev.facerec.detect.DetectedFace;
import dev.facerec.detect.FaceDetector;
import dev.facerec.detect.Landmark68;
import dev.facerec.detect.UltraFaceDetector;
import dev.facerec.detect.YuNetDetector;
import dev.facerec.embed.FaceAligner;
import dev.facerec.embed.FaceEmbedder;
import dev.facerec.image.ImageDecoder;
import dev.facerec.image.ImageProbe;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ProfileSpec;
import dev.facerec.pipeline.Detection;
import dev.facerec.pipeline.EmbeddedFace;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opencv.core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-image stages of {@link FacePipeline} on one LFW image (the first of the sorted set), one thread,
 * the default options: decode (probe + decode), detect, landmarks (68-point model on the detector's box), align, embed
 * (on the aligned 112x112 crop), and the whole {@code embed(bytes, CENTER)}, which also measures quality and maps
 * coordinates back. Needs the full data under {@code shared.dir} (models and LFW).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StagesJmh {
  @Param({"yunet-mobilefacenet", "faceplugin"})
  String profile;

  private final PipelineOptions options = PipelineOptions.defaults();
  private Path models;
  private FacePipeline pipeline;
  // The pipeline keeps its stages private: the same models, opened as FacePipeline.open opens them, timed one by one.
  private FaceDetector detector;
  private Landmark68 refiner;
  private FaceEmbedder embedder;
  private byte[] image;
  private Mat bgr;
  private DetectedFace found; // the detector's face, before the landmark model
  private DetectedFace face; // with the 5 points the pipeline aligns on
  private Mat aligned;

  @Setup
  public void setup() throws Exception {
    image = Files.readAllBytes(TestData.lfwIdentities(1).get(0).get(0));
    ModelManifest manifest = TestData.manifest();
    ProfileSpec spec = manifest.profile(profile);
    models = TestData.modelsDir(profile);
    pipeline = FacePipeline.open(manifest, profile, models, options);
    ModelSpec d = manifest.model(spec.detector());
    detector = switch (d.engine()) {
      case "yunet" -> new YuNetDetector(d, models.resolve(d.file()), options.detectMaxSide());
      case "ultraface" -> new UltraFaceDetector(d, models.resolve(d.file()), options.detectMaxSide(), options.intraOpThreads());
      default -> throw new IllegalStateException("detector engine " + d.engine() + " is not benchmarked");
    };
    if (spec.landmarks() != null) {
      ModelSpec l = manifest.model(spec.landmarks());
      refiner = new Landmark68(l, models.resolve(l.file()), options.intraOpThreads());
    }
    ModelSpec r = manifest.model(spec.recognizer());
    embedder = new FaceEmbedder(r, models.resolve(r.file()), options.intraOpThreads(), options.flipAugment());

    bgr = decodeImage();
    found = FacePipeline.select(new Detection(bgr.cols(), bgr.rows(), detector.detect(bgr)), FaceSelection.CENTER).get(0);
    face = FacePipeline.select(pipeline.detect(bgr), FaceSelection.CENTER).get(0);
    aligned = FaceAligner.align(bgr, face.landmarks());
  }

  @TearDown
  public void tearDown() throws Exception {
    aligned.release();
    bgr.release();
    pipeline.close();
    detector.close();
    if (refiner != null) {
      refiner.close();
    }
    embedder.close();
    TestData.deleteModelsDir(models);
  }

  private Mat decodeImage() {
    return ImageDecoder.decode(image, ImageProbe.probe(image, options.maxImageDimension(), options.maxPixels()),
        options.processingMaxSide()).bgr();
  }

  @Benchmark
  public int decode() {
    Mat m = decodeImage();
    int cols = m.cols();
    m.release();
    return cols;
  }

  @Benchmark
  public List<DetectedFace> detect() {
    return detector.detect(bgr);
  }

  @Benchmark
  public DetectedFace landmarks() {
    return refiner == null ? found : refiner.refine(bgr, found);
  }

  @Benchmark
  public int align() {
    Mat m = FaceAligner.align(bgr, face.landmarks());
    int cols = m.cols();
    m.release();
    return cols;
  }

  @Benchmark
  public float[] embed() {
    return embedder.embed(aligned);
  }

  @Benchmark
  public List<EmbeddedFace> pipeline() {
    return pipeline.embed(image, FaceSelection.CENTER);
  }
}
