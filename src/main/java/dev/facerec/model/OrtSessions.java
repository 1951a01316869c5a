package dev.facerec.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens ONNX Runtime sessions on the CPU with a bounded thread count. */
public final class OrtSessions {
  /**
   * ONNX Runtime's CPU memory arena: on, unless -Dfacerec.ortArena=false (a lever ResilienceBench measures: without
   * the arena glibc's per-thread arenas hold the freed blocks, and RSS grew by half again; docs/resilience.md).
   */
  private static final boolean CPU_ARENA = !"false".equals(System.getProperty("facerec.ortArena"));

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
        options.setCPUArenaAllocator(false);
        options.setMemoryPatternOptimization(false);
      }
      return env().createSession(file.toString(), options);
    } catch (OrtException e) {
      throw new ModelException("cannot load model " + file + ": " + e.getMessage(), e);
    }
  }
}
