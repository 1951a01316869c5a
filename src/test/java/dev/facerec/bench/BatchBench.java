package dev.facerec.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.facerec.model.OrtSessions;
import dev.facerec.testing.TestData;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Does batching pay on this CPU? For each model that runs once per face (the two recognizers, the 68-point landmark
 * model): the shipped file's input shape, then a copy with a free batch dimension ({@code bench/batch_dynamic.py},
 * Debian's python3-onnx) run at batch 1, 2, 4, 8 and 16 with 1 and 2 ONNX Runtime threads: milliseconds per face, and
 * the largest difference between a face's output in a batch and alone (a batch must not change the answer).
 *
 * <p>Args: {@code [seconds per cell=2]}.
 */
public final class BatchBench {
  private static final int[] BATCHES = {1, 2, 4, 8, 16};

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
    Path models = TestData.shared().resolve("models");
    Path tmp = Files.createTempDirectory("batchbench");
    String[][] cases = {
      {"mobilefacenet-128 (yunet-mobilefacenet recognizer)", "mobilefacenet_foamliu_128d.onnx"},
      {"faceplugin fr_feature 512-d (faceplugin recognizer)", "faceplugin_fr_feature_512d.onnx"},
      {"faceplugin fr_landmark 68 points (both profiles)", "faceplugin_fr_landmark.onnx"},
    };
    System.out.println("model | shipped input | threads | " + String.join(" | ", Arrays.stream(BATCHES).mapToObj(b -> "ms/face at " + b).toList())
        + " | best vs batch 1 | max |batch - alone|");
    for (String[] c : cases) {
      Path shipped = models.resolve(c[1]);
      Path dynamic = tmp.resolve(c[1]);
      Process p = new ProcessBuilder("/usr/bin/python3", "bench/batch_dynamic.py", shipped.toString(), dynamic.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IllegalStateException("batch_dynamic.py failed: " + out);
      }
      String shippedShape;
      try (OrtSession s = OrtSessions.open(shipped, 1)) {
        shippedShape = Arrays.toString(((TensorInfo) s.getInputInfo().values().iterator().next().getInfo()).getShape());
      }
      for (int threads : new int[] {1, 2}) {
        try (OrtSession s = OrtSessions.open(dynamic, threads)) {
          NodeInfo in = s.getInputInfo().values().iterator().next();
          long[] shape = ((TensorInfo) in.getInfo()).getShape();
          int per = 1;
          for (int i = 1; i < shape.length; i++) {
            per *= (int) shape[i];
          }
          float[] faces = new float[per * BATCHES[BATCHES.length - 1]];
          Random r = new Random(7);
          for (int i = 0; i < faces.length; i++) {
            faces[i] = r.nextFloat() * 2 - 1;
          }
          double[] ms = new double[BATCHES.length];
          float[][] alone = outputs(s, in.getName(), shape, faces, per, 1, BATCHES[BATCHES.length - 1]);
          if (Arrays.equals(alone[0], alone[1])) {
            throw new IllegalStateException("two different faces gave the same output: the input was not read as sent");
          }
          double maxDiff = 0;
          for (int k = 0; k < BATCHES.length; k++) {
            int b = BATCHES[k];
            float[][] batched = outputs(s, in.getName(), shape, faces, per, b, b);
            for (int f = 0; f < b; f++) {
              for (int j = 0; j < batched[f].length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(batched[f][j] - alone[f][j]));
              }
            }
            ms[k] = time(s, in.getName(), shape, faces, per, b, seconds);
          }
          double best = Arrays.stream(ms).min().orElseThrow();
          StringBuilder row = new StringBuilder(c[0] + " | " + shippedShape + " | " + threads);
          for (double m : ms) {
            row.append(String.format(" | %.2f", m));
          }
          row.append(String.format(" | %.2fx | %.1e", ms[0] / best, maxDiff));
          System.out.println(row);
        }
      }
    }
  }

  /** The outputs of faces 0..n-1 run in batches of {@code batch}. */
  private static float[][] outputs(OrtSession s, String input, long[] shape, float[] faces, int per, int batch, int n) throws Exception {
    float[][] out = new float[n][];
    for (int start = 0; start < n; start += batch) {
      float[][] r = run(s, input, shape, faces, per, start, batch);
      System.arraycopy(r, 0, out, start, batch);
    }
    return out;
  }

  private static float[][] run(OrtSession s, String input, long[] shape, float[] faces, int per, int start, int batch) throws Exception {
    long[] sh = shape.clone();
    sh[0] = batch;
    try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.env(), FloatBuffer.wrap(faces, start * per, batch * per).slice(), sh);
        OrtSession.Result r = s.run(Map.of(input, t))) {
      return (float[][]) r.get(0).getValue();
    }
  }

  /** Milliseconds per face at batch {@code b}, run repeatedly for about {@code seconds} after a warm-up. */
  private static double time(OrtSession s, String input, long[] shape, float[] faces, int per, int b, double seconds) throws Exception {
    for (int i = 0; i < 3; i++) {
      run(s, input, shape, faces, per, 0, b);
    }
    long faces0 = 0;
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      run(s, input, shape, faces, per, 0, b);
      faces0 += b;
    }
    return (System.nanoTime() - t0) / 1e6 / faces0;
  }
}
