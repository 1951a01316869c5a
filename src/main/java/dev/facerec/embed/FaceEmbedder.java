package dev.facerec.embed;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.facerec.bus.Vectors;
import dev.facerec.image.ImageTensors;
import dev.facerec.image.OpenCv;
import dev.facerec.model.EmbeddingCentre;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A face recognizer (ArcFace-style: aligned crop in, embedding out) through ONNX Runtime. Input
 * preparation comes from the model's {@link ModelSpec.InputSpec} (size, channel order, mean/std), so
 * MobileFaceNet (RGB, (x-127.5)/128), faceplugin (RGB, (x-127)/128) and SFace (BGR, raw 0..255) all go
 * through this class. Embeddings are L2-normalised. Not thread-safe: one thread at a time.
 */
public final class FaceEmbedder implements AutoCloseable {
  private final ModelSpec spec;
  private final OrtSession session;
  private final String inputName;
  private final boolean flipAugment;
  private final EmbeddingCentre centre;
  private final String modelId; // read for every inference result: the centre's hash is taken once, here

  public FaceEmbedder(ModelSpec spec, Path file, int intraOpThreads, boolean flipAugment) {
    this(spec, file, intraOpThreads, flipAugment, null);
  }

  /**
   * @param flipAugment also embed the horizontal mirror and use the normalised sum (about twice the cost)
   * @param centre the profile's embedding centre, subtracted after normalising (then normalised again); null: none
   */
  public FaceEmbedder(ModelSpec spec, Path file, int intraOpThreads, boolean flipAugment, EmbeddingCentre centre) {
    if (spec.outputDimension() <= 0) {
      throw new ModelException("recognizer " + spec.id() + " has no outputDimension in the manifest");
    }
    OpenCv.load();
    this.spec = spec;
    this.session = OrtSessions.open(file, intraOpThreads);
    this.inputName = session.getInputNames().iterator().next();
    this.flipAugment = flipAugment;
    if (centre != null && centre.vector().length != spec.outputDimension()) {
      throw new ModelException("embedding centre of " + centre.vector().length + " values for recognizer " + spec.id()
          + " of " + spec.outputDimension());
    }
    this.centre = centre;
    this.modelId = EmbeddingCentre.modelId(spec.id(), centre);
  }

  /** The embedding length. */
  public int dimension() {
    return spec.outputDimension();
  }

  /** The embedding space: the recognizer's manifest id, marked with the centre when there is one. */
  public String modelId() {
    return modelId;
  }

  /**
   * @param aligned a BGR face crop from {@link FaceAligner} (resized if the model wants another size)
   * @return the L2-normalised embedding
   */
  public float[] embed(Mat aligned) {
    int w = spec.input().width();
    int h = spec.input().height();
    Mat input = aligned;
    if (aligned.cols() != w || aligned.rows() != h) {
      input = new Mat();
      Imgproc.resize(aligned, input, new Size(w, h), 0, 0, Imgproc.INTER_LINEAR);
    }
    try {
      float[] e = run(input);
      if (flipAugment) {
        Mat mirror = new Mat();
        try {
          Core.flip(input, mirror, 1);
          float[] f = run(mirror);
          for (int i = 0; i < e.length; i++) {
            e[i] += f[i];
          }
        } finally {
          mirror.release();
        }
      }
      Vectors.normalize(e);
      return centre == null ? e : centre.apply(e);
    } finally {
      if (input != aligned) {
        input.release();
      }
    }
  }

  private float[] run(Mat face) {
    float[] data = ImageTensors.toNchw(face, spec.input());
    int channels = spec.input().gray() ? 1 : 3;
    long[] shape = {1, channels, spec.input().height(), spec.input().width()};
    try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.env(), FloatBuffer.wrap(data), shape);
        OrtSession.Result r = session.run(Map.of(inputName, t))) {
      float[] out = ((float[][]) r.get(0).getValue())[0];
      if (out.length != spec.outputDimension()) {
        throw new ModelException("recognizer " + spec.id() + " returned " + out.length + " values, the manifest says "
            + spec.outputDimension());
      }
      return out;
    } catch (OrtException e) {
      throw new ModelException("recognizer " + spec.id() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // already closed
    }
  }
}
