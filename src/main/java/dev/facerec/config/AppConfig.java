package dev.facerec.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration. Built once by {@link ConfigLoader}; each verticle receives the slice
 * it needs through its constructor.
 */
public record AppConfig(
    Api api,
    Database database,
    Models models,
    Images images,
    Detection detection,
    Inference inference,
    Index index,
    WebSocket websocket,
    Enrollment enrollment,
    Recognition recognition,
    Path dataDir,
    String logLevel) {

  public record Api(String host, int port, long maxBodyBytes, List<String> corsOrigins, long requestTimeoutMs) {}

  /** {@code url} is null when the embedded PostgreSQL is to be used. */
  public record Database(String url, int poolMaxSize, int connectTimeoutMs) {}

  /** {@code thresholds} holds only the operator's overrides, by profile id. */
  public record Models(String profile, Path dir, Map<String, Double> thresholds) {}

  public record Images(int maxDimension, long maxPixels) {}

  public record Detection(int maxSide, int maxFaces) {}

  public record Inference(int workers, int intraOpThreads, int queueSize, long timeoutMs) {}

  public record Index(int m, int efConstruction, int efSearch, int snapshotIntervalSeconds) {}

  public record WebSocket(int maxInFlight, int maxFrameBytes) {}

  /** The enrollment quality gate and the duplicate-identity check. */
  public record Enrollment(dev.facerec.quality.QualityGate gate, boolean duplicateCheck) {}

  /**
   * Identification decisions: {@code minMargin} turns a top match whose lead over the second subject is
   * smaller into {@code unknown} (0 = off); {@code flipAugment} embeds each face and its mirror image.
   */
  public record Recognition(double minMargin, boolean flipAugment) {}

  /** A copy safe to log: the database password is replaced by {@code ***}. */
  public String masked() {
    return toString().replaceAll("(://[^:/@]+:)[^@]*@", "$1***@");
  }
}
