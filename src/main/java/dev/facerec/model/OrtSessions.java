package dev.facerec.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens ONNX Runtime sessions on the CPU with a bounded thread count. */
public final class OrtSessions {
  /** ONNX Runtime's CPU memory arena (off unless -Dfacerec.ortArena=true: ResilienceBench compares both). */
  private static final boolean CPU_ARENA = Boolean.getBoolean("facerec.ortArena");

  private OrtSessions() {}

  /** The process-wide ONNX Runtime environment. */
  public static OrtEnvironment env() {
    return OrtEnvironment.getEnvironment();
  }

  /**
   * Opens {@code file} with {@code intraOpThreads} threads per operator and no inter-op parallelism
   * (the service runs one session per worker, so parallelism comes from the workers).
   *
   * @throws ModelException when the file is missing or is not a loadable ONNX graph
   */
  public static OrtSession open(Path file, int intraOpThreads) {
    if (!Files.isRegularFile(file)) {
      throw new ModelException("model file " + file + " does not exist");
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (!CPU_ARENA) {
        // Inputs change shape with every photo: the arena keeps its largest blocks for good, and a pattern is
        // planned per shape. Plain allocations return memory as requests end.
        options.setCPUArenaAllocator(false);
        options.setMemoryPatternOptimization(false);
      }
      return env().createSession(file.toString(), options);
    } catch (OrtException e) {
      throw new ModelException("cannot load model " + file + ": " + e.getMessage(), e);
    }
  }
}
