package dev.facerec.detect;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.facerec.image.ImageTensors;
import dev.facerec.image.OpenCv;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The faceplugin {@code fr_detect.onnx} detector (UltraFace RFB-320 style, decoding built into the
 * graph) through ONNX Runtime. The image is stretched to the network size (a second, letterboxed pass
 * runs when that finds no face); outputs are corner-form boxes normalised to [0,1] and
 * two-class scores (face probability = column 1), filtered by the manifest's threshold and NMS IoU.
 * It gives no landmarks: pair it with a {@link LandmarkRefiner}.
 */
public final class UltraFaceDetector implements FaceDetector {
  /**
   * Border added around the image, as a fraction of its size, for the letterboxed second pass. The
   * vendor stretches the whole image to 320x240; that misses tight face crops (the face then fills the
   * frame and is distorted: 15 of the 270 ORL images and 1 BBT crop), while a 10 % border with the aspect
   * kept finds a face in all of them. Letterboxing every image instead cost LFW accuracy (the boxes suit
   * the landmark model less), so it only runs when the stretched pass finds nothing.
   */
  private static final float MARGIN = 0.1f;

  private final ModelSpec spec;
  private final OrtSession session;
  private final String inputName;
  private final int maxSide;
  private final Scalar padColor;

  /**
   * @param spec the manifest entry: input size and normalisation, score and NMS IoU thresholds
   * @param maxSide images are downscaled so their long side is at most this before detection
   */
  public UltraFaceDetector(ModelSpec spec, Path file, int maxSide, int intraOpThreads) {
    OpenCv.load();
    this.spec = spec;
    this.session = OrtSessions.open(file, intraOpThreads);
    this.inputName = session.getInputNames().iterator().next();
    this.maxSide = maxSide;
    // pad with the normalisation mean, i.e. zeros at the network input; the Mat is BGR
    float[] mean = spec.input().mean();
    boolean rgb = !spec.input().bgr();
    this.padColor = mean.length < 3 ? new Scalar(mean[0], mean[0], mean[0])
        : new Scalar(mean[rgb ? 2 : 0], mean[1], mean[rgb ? 0 : 2]);
  }

  @Override
  public List<DetectedFace> detect(Mat bgr) {
    if (bgr.empty()) {
      return new ArrayList<>();
    }
    try (Scaled in = Scaled.of(bgr, maxSide)) {
      List<DetectedFace> faces = run(in, bgr, false);
      return faces.isEmpty() ? run(in, bgr, true) : faces;
    }
  }

  /**
   * One pass of the network. Stretched (the vendor's way, {@code letterbox} false) the boxes suit the
   * landmark model best; letterboxed with a border it also finds faces that fill a tight crop.
   */
  private List<DetectedFace> run(Scaled in, Mat bgr, boolean letterbox) {
    int nw = spec.input().width();
    int nh = spec.input().height();
    int iw = in.image.cols();
    int ih = in.image.rows();
    float[] input;
    float w;
    float h;
    float padX = 0;
    float padY = 0;
    Mat resized = new Mat();
    Mat canvas = new Mat();
    try {
      Mat source = in.image;
      if (letterbox) {
        float cw = iw * (1 + 2 * MARGIN);
        float ch = ih * (1 + 2 * MARGIN);
        float aspect = (float) nw / nh;
        if (cw / ch < aspect) {
          cw = ch * aspect;
        } else {
          ch = cw / aspect;
        }
        int left = Math.round((cw - iw) / 2);
        int top = Math.round((ch - ih) / 2);
        int right = Math.max(0, Math.round(cw) - iw - left);
        int bottom = Math.max(0, Math.round(ch) - ih - top);
        Core.copyMakeBorder(in.image, canvas, top, bottom, left, right, Core.BORDER_CONSTANT, padColor);
        padX = left / in.scale;
        padY = top / in.scale;
        source = canvas;
      }
      w = source.cols() / in.scale;
      h = source.rows() / in.scale;
      Imgproc.resize(source, resized, new Size(nw, nh), 0, 0, Imgproc.INTER_LINEAR);
      input = ImageTensors.toNchw(resized, spec.input());
    } finally {
      resized.release();
      canvas.release();
    }
    float[][] scores;
    float[][] boxes;
    try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.env(), FloatBuffer.wrap(input), new long[] {1, 3, nh, nw});
        OrtSession.Result r = session.run(Map.of(inputName, t))) {
      scores = ((float[][][]) r.get("scores").orElseThrow().getValue())[0];
      boxes = ((float[][][]) r.get("boxes").orElseThrow().getValue())[0];
    } catch (OrtException e) {
      throw new ModelException("face detection failed: " + e.getMessage(), e);
    }
    List<DetectedFace> candidates = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      float p = scores[i][1];
      if (p < spec.scoreThreshold()) {
        continue;
      }
      // Boxes are relative to the (padded) canvas: scale to its original-resolution size, then remove the border.
      float[] b = boxes[i];
      Box box = Scaled.clip(new Box(b[0] * w - padX, b[1] * h - padY, (b[2] - b[0]) * w, (b[3] - b[1]) * h), bgr.cols(), bgr.rows());
      if (box.width() >= 2 && box.height() >= 2) {
        candidates.add(new DetectedFace(box, null, p));
      }
    }
    return nms(candidates, (float) spec.nmsThreshold());
  }

  /** Greedy hard NMS: keep the best, drop those overlapping it by more than {@code iou}. */
  static List<DetectedFace> nms(List<DetectedFace> faces, float iou) {
    faces.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
    List<DetectedFace> kept = new ArrayList<>();
    for (DetectedFace f : faces) {
      boolean overlaps = false;
      for (DetectedFace k : kept) {
        if (k.box().iou(f.box()) > iou) {
          overlaps = true;
          break;
        }
      }
      if (!overlaps) {
        kept.add(f);
      }
    }
    return kept;
  }

  @Override
  public boolean providesLandmarks() {
    return false;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // closing a session only fails if it is already closed
    }
  }
}
