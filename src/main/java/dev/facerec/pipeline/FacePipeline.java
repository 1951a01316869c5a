package dev.facerec.pipeline;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.detect.DetectedFace;
import dev.facerec.detect.FaceDetector;
import dev.facerec.detect.Landmark68;
import dev.facerec.detect.LandmarkRefiner;
import dev.facerec.detect.UltraFaceDetector;
import dev.facerec.detect.YuNetDetector;
import dev.facerec.embed.FaceAligner;
import dev.facerec.embed.FaceEmbedder;
import dev.facerec.image.ImageDecoder;
import dev.facerec.image.ImageInfo;
import dev.facerec.image.ImageProbe;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelManifest;
import dev.facerec.quality.FaceQuality;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ProfileSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.opencv.core.Mat;

/**
 * The whole face path for one model profile: validate the upload ({@link ImageProbe}), decode it, detect
 * faces, add or refine the 5 landmarks, align onto the ArcFace template and embed. Plain class, no
 * Vert.x: the service creates one instance per inference worker, and each instance must be used by one
 * thread at a time.
 */
public final class FacePipeline implements AutoCloseable {
  private final ProfileSpec profile;
  private final PipelineOptions options;
  private final FaceDetector detector;
  private final LandmarkRefiner refiner; // null: the detector's own landmarks are used
  private final FaceEmbedder embedder;
  private StageClock clock = (stage, nanos) -> { };
  private boolean closed;

  /** Receives the time of each stage: decode, detect, landmarks, align, embed. */
  public interface StageClock {
    void record(String stage, long nanos);
  }

  /** Where stage times go (metrics); none by default. */
  public void timing(StageClock clock) {
    this.clock = clock;
  }

  private FacePipeline(ProfileSpec profile, PipelineOptions options, FaceDetector detector, LandmarkRefiner refiner,
      FaceEmbedder embedder) {
    this.profile = profile;
    this.options = options;
    this.detector = detector;
    this.refiner = refiner;
    this.embedder = embedder;
  }

  /**
   * Opens the models of {@code profileId} from {@code modelsDir} (file names from the manifest).
   * Landmarks: a detector without its own (faceplugin) always uses the profile's landmark model; when the
   * profile's {@code refineLandmarks} or {@link PipelineOptions#refineLandmarks()} is on, the landmark model
   * also replaces the detector's points, taking the profile's landmark model or, when the profile names
   * none, the manifest's first one.
   *
   * @throws ModelException when the profile is unknown, a model file is missing or cannot be loaded
   */
  public static FacePipeline open(ModelManifest manifest, String profileId, Path modelsDir, PipelineOptions options) {
    ProfileSpec profile = manifest.profile(profileId);
    ModelSpec detectorSpec = manifest.model(profile.detector());
    ModelSpec recognizerSpec = manifest.model(profile.recognizer());
    ModelSpec landmarkSpec = profile.landmarks() != null ? manifest.model(profile.landmarks()) : null;
    boolean detectorHasLandmarks = !"ultraface".equals(detectorSpec.engine());
    boolean refine = options.refineLandmarks() || profile.refineLandmarks();
    if (landmarkSpec == null && (refine || !detectorHasLandmarks)) {
      landmarkSpec = manifest.models().values().stream()
          .filter(m -> m.kind() == ModelSpec.Kind.LANDMARKS)
          .sorted(Comparator.comparing(ModelSpec::id))
          .findFirst()
          .orElseThrow(() -> new ModelException("profile " + profileId + " needs a landmark model and the manifest has none"));
    }
    boolean useRefiner = landmarkSpec != null && (refine || !detectorHasLandmarks);
    List<ModelSpec> needed = new ArrayList<>(List.of(detectorSpec, recognizerSpec));
    if (useRefiner) {
      needed.add(landmarkSpec);
    }
    checkFiles(profileId, modelsDir, needed);

    FaceDetector detector = null;
    LandmarkRefiner refiner = null;
    try {
      detector = switch (detectorSpec.engine()) {
        case "yunet" -> new YuNetDetector(detectorSpec, file(modelsDir, detectorSpec), options.detectMaxSide());
        case "ultraface" -> new UltraFaceDetector(detectorSpec, file(modelsDir, detectorSpec), options.detectMaxSide(),
            options.intraOpThreads());
        default -> throw new ModelException("unknown detector engine '" + detectorSpec.engine() + "' of " + detectorSpec.id());
      };
      if (useRefiner) {
        if (!"landmark68".equals(landmarkSpec.engine())) {
          throw new ModelException("unknown landmark engine '" + landmarkSpec.engine() + "' of " + landmarkSpec.id());
        }
        refiner = new Landmark68(landmarkSpec, file(modelsDir, landmarkSpec), options.intraOpThreads(), options.landmarks());
      }
      FaceEmbedder embedder = new FaceEmbedder(recognizerSpec, file(modelsDir, recognizerSpec), options.intraOpThreads(),
          options.flipAugment(), profile.centre());
      return new FacePipeline(profile, options, detector, refiner, embedder);
    } catch (RuntimeException e) {
      if (detector != null) {
        detector.close();
      }
      if (refiner != null) {
        refiner.close();
      }
      throw e;
    }
  }

  private static Path file(Path dir, ModelSpec spec) {
    return dir.resolve(spec.file());
  }

  private static void checkFiles(String profileId, Path dir, List<ModelSpec> specs) {
    List<String> problems = new ArrayList<>();
    for (ModelSpec spec : specs) {
      Path f = file(dir, spec);
      if (!Files.isRegularFile(f)) {
        problems.add("model file " + spec.file() + " (" + spec.id() + ") is missing in " + dir.toAbsolutePath());
        continue;
      }
      try {
        long size = Files.size(f);
        if (spec.size() > 0 && size != spec.size()) {
          problems.add("model file " + f + " has " + size + " bytes, the manifest says " + spec.size() + " for " + spec.id());
        }
      } catch (IOException e) {
        problems.add("model file " + f + " cannot be read: " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new ModelException(String.join("; ", problems) + ". Install the profile's models with `models fetch --profile "
          + profileId + "`");
    }
  }

  public String profileId() {
    return profile.id();
  }

  /** The manifest id of the recognizer: embeddings of different recognizers are not comparable. */
  public String recognizerId() {
    return embedder.modelId();
  }

  /** The embedding length. */
  public int dimension() {
    return embedder.dimension();
  }

  public PipelineOptions options() {
    return options;
  }

  /**
   * Validates, decodes and detects.
   *
   * @throws FaceException MISSING_IMAGE, UNSUPPORTED_MEDIA_TYPE, IMAGE_TOO_LARGE, IMAGE_TOO_MANY_PIXELS, IMAGE_CORRUPT or TOO_MANY_FACES
   */
  public Detection detect(byte[] image) {
    ImageDecoder.Decoded decoded = decode(image);
    try {
      Detection d = detect(decoded.bgr());
      List<DetectedFace> faces = new ArrayList<>(d.faces().size());
      d.faces().forEach(f -> faces.add(toOriginal(f, decoded.scale())));
      return new Detection(decoded.width(), decoded.height(), faces);
    } finally {
      decoded.bgr().release();
    }
  }

  /** A face found on the image as processed, in the original image's coordinates. */
  static DetectedFace toOriginal(DetectedFace f, double scale) {
    if (scale == 1.0) {
      return f;
    }
    float inv = (float) (1 / scale);
    float[][] lm = null;
    if (f.landmarks() != null) {
      lm = new float[f.landmarks().length][];
      for (int i = 0; i < lm.length; i++) {
        lm[i] = new float[] {f.landmarks()[i][0] * inv, f.landmarks()[i][1] * inv};
      }
    }
    return new DetectedFace(f.box().scaled(inv), lm, f.score());
  }

  /** Detects on an already decoded BGR image. */
  public Detection detect(Mat bgr) {
    long t0 = System.nanoTime();
    List<DetectedFace> faces = new ArrayList<>(detector.detect(bgr));
    clock.record("detect", System.nanoTime() - t0);
    faces.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
    if (faces.size() > options.maxFaces()) {
      // A crowd would cost one embedding and one search per face: refuse rather than work without bound.
      throw new FaceException(Failure.TOO_MANY_FACES, "the image holds " + faces.size()
          + " faces; at most " + options.maxFaces() + " are processed per image");
    }
    if (refiner != null) {
      long t1 = System.nanoTime();
      faces.replaceAll(f -> refiner.refine(bgr, f));
      faces.removeIf(f -> f.landmarks() == null); // boxes too small to carry landmarks
      clock.record("landmarks", System.nanoTime() - t1);
    }
    return new Detection(bgr.cols(), bgr.rows(), faces);
  }

  /**
   * Detects and embeds the selected faces of an image.
   *
   * @throws FaceException NO_FACE when no face is found, MULTIPLE_FACES for {@link FaceSelection#SINGLE}
   *     when several faces leave the subject ambiguous ({@link SubjectFace}), and the image failures of {@link #detect(byte[])}
   */
  public List<EmbeddedFace> embed(byte[] image, FaceSelection selection) {
    return embedCounted(image, selection).faces();
  }

  /** The selected faces, embedded, how many faces the image holds in all, and the image's size in the boxes' frame (upright). */
  public record Embedded(List<EmbeddedFace> faces, int detected, int width, int height) {}

  /** {@link #embed(byte[], FaceSelection)}, also saying how many faces were found (the others were not embedded). */
  public Embedded embedCounted(byte[] image, FaceSelection selection) {
    ImageDecoder.Decoded decoded = decode(image);
    Mat bgr = decoded.bgr();
    try {
      Detection d = detect(bgr);
      List<EmbeddedFace> out = new ArrayList<>();
      for (DetectedFace f : select(d, selection)) {
        // Aligned, embedded and judged (size, sharpness) on the pixels actually processed; reported in the original's coordinates.
        EmbeddedFace e = embedWithQuality(bgr, f);
        out.add(new EmbeddedFace(toOriginal(e.face(), decoded.scale()), e.embedding(), e.quality()));
      }
      return new Embedded(out, d.faces().size(), decoded.width(), decoded.height());
    } finally {
      bgr.release();
    }
  }

  /** The faces of {@code d} that {@code selection} picks; never empty. */
  public static List<DetectedFace> select(Detection d, FaceSelection selection) {
    List<DetectedFace> faces = d.faces();
    if (faces.isEmpty()) {
      throw new FaceException(Failure.NO_FACE, "no face was found in the image");
    }
    return switch (selection) {
      case ALL -> faces;
      case LARGEST -> List.of(PrimaryFace.choose(d));
      case SINGLE -> List.of(SubjectFace.choose(d));
      case CENTER -> {
        double cx = d.width() / 2.0;
        double cy = d.height() / 2.0;
        yield List.of(faces.stream()
            .min(Comparator.comparingDouble(f -> Math.hypot(f.box().centerX() - cx, f.box().centerY() - cy)))
            .orElseThrow());
      }
    };
  }

  /** Aligns and embeds one face of a decoded BGR image; the result is L2-normalised. */
  public float[] embed(Mat bgr, DetectedFace face) {
    if (face.landmarks() == null || face.landmarks().length != FaceAligner.TEMPLATE.length) {
      throw new IllegalArgumentException("the face has no 5 landmarks");
    }
    Mat aligned = FaceAligner.align(bgr, face.landmarks());
    try {
      return embedder.embed(aligned);
    } finally {
      aligned.release();
    }
  }

  /** Aligns once, then embeds and measures quality on the same 112x112 crop. */
  private EmbeddedFace embedWithQuality(Mat bgr, DetectedFace face) {
    if (face.landmarks() == null || face.landmarks().length != FaceAligner.TEMPLATE.length) {
      throw new IllegalArgumentException("the face has no 5 landmarks");
    }
    long t0 = System.nanoTime();
    Mat aligned = FaceAligner.align(bgr, face.landmarks());
    long t1 = System.nanoTime();
    clock.record("align", t1 - t0);
    try {
      float[] embedding = embedder.embed(aligned);
      clock.record("embed", System.nanoTime() - t1);
      return new EmbeddedFace(face, embedding, FaceQuality.ofAligned(aligned, face));
    } finally {
      aligned.release();
    }
  }

  /** Cosine similarity; for the pipeline's unit-length embeddings this is their dot product. */
  public static float cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("embeddings of different lengths: " + a.length + " and " + b.length);
    }
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0f : (float) (dot / Math.sqrt(na * nb));
  }

  private ImageDecoder.Decoded decode(byte[] image) {
    long t0 = System.nanoTime();
    ImageInfo info = ImageProbe.probe(image, options.maxImageDimension(), options.maxPixels());
    ImageDecoder.Decoded d = ImageDecoder.decode(image, info, options.processingMaxSide());
    clock.record("decode", System.nanoTime() - t0);
    return d;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    detector.close();
    if (refiner != null) {
      refiner.close();
    }
    embedder.close();
  }
}
