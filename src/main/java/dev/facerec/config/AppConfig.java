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
    Security security,
    Path dataDir,
    String logLevel,
    String logFormat,
    Cluster cluster,
    boolean accessLog,
    Tracing tracing) {

  /**
   * OpenTelemetry tracing: spans exported over OTLP/HTTP to {@code endpoint} (the collector's base URL; traces go to
   * {@code endpoint/v1/traces}); null: tracing is off and no tracer is installed. {@code sampleRatio}: the share of
   * new traces recorded (a request carrying a sampled {@code traceparent} follows its caller's decision).
   */
  public record Tracing(String endpoint, double sampleRatio) {
    public boolean enabled() {
      return endpoint != null;
    }
  }

  /**
   * {@code trustedProxies}: IPs and CIDR blocks whose X-Forwarded-For is believed (validated; empty = none);
   * {@code shutdownGraceSeconds}: how long a stopping node (SIGTERM, drain) waits for the requests in flight.
   */
  public record Api(String host, int port, long maxBodyBytes, List<String> corsOrigins, boolean corsAllowCredentials,
      long requestTimeoutMs, List<String> trustedProxies, int shutdownGraceSeconds) {}

  /**
   * {@code url} is null when the embedded PostgreSQL is to be used. {@code startupWaitSeconds}: how long a node
   * starting while the database is unreachable waits for it; {@code breakerOpenSeconds}: how long calls fail at
   * once after repeated failures before the database is probed again; {@code retryAttempts}: attempts per call;
   * {@code urlFile}: the file the URL was read from (DATABASE_URL_FILE), read again for new connections, or null.
   */
  public record Database(String url, int poolMaxSize, int connectTimeoutMs, int startupWaitSeconds, int breakerOpenSeconds,
      int retryAttempts, Path urlFile) {}

  /** {@code thresholds} (1:1) and {@code identifyThresholds} (1:N) hold only the operator's overrides, by profile id. */
  public record Models(String profile, Path dir, Map<String, Double> thresholds, Map<String, Double> identifyThresholds) {}

  /** Refused above {@code maxDimension} per side or {@code maxPixels} (from the header); processed at a long side of at most {@code processingMaxSide}. */
  public record Images(int maxDimension, long maxPixels, int processingMaxSide) {}

  public record Detection(int maxSide, int maxFaces) {}

  public record Inference(int workers, int intraOpThreads, int queueSize, long timeoutMs) {}

  /**
   * {@code ackTimeoutMs}: how long an acknowledged write waits for the live index replicas to apply it;
   * {@code changeLogRetention}: change-log entries kept for replicas that catch up (older ones are pruned);
   * {@code engine}: the HNSW implementation (a snapshot of the other engine is rebuilt from the store).
   */
  public record Index(int m, int efConstruction, int efSearch, int snapshotIntervalSeconds, long ackTimeoutMs,
      long changeLogRetention, int shards, int replicas, int gridPortOffset, long hedgeMs, int searchThreads,
      dev.facerec.index.IndexEngine engine) {}

  /**
   * Clustering. Disabled: one node, the same code paths (a cluster of one). {@code configFile} is the
   * Hazelcast XML (null: the copy in the jar); {@code members} are host:port of Hazelcast members to join.
   * {@code minMembers}: below this many members in view, a node is cut off from the majority and serves no
   * identify; {@code outboundPorts}: the local ports Hazelcast connects from (firewalls), empty = any.
   */
  public record Cluster(boolean enabled, Path configFile, List<String> members, String host, int port, int busPort,
      String publicHost, String nodeName, java.util.Set<dev.facerec.cluster.NodeRole> roles, int minMembers, String outboundPorts) {}

  public record WebSocket(int maxInFlight, int maxFrameBytes, int maxConnectionsPerKey) {}

  /** The enrollment quality gate and the duplicate-identity check. */
  public record Enrollment(dev.facerec.quality.QualityGate gate, boolean duplicateCheck) {}

  /**
   * Identification decisions: {@code minMargin} turns a top match whose lead over the second subject is
   * smaller into {@code unknown} (0 = off); {@code flipAugment} embeds each face and its mirror image;
   * {@code subjectScore}: how a subject with several faces is scored (their centroid, or the best face).
   */
  public record Recognition(double minMargin, boolean flipAugment, dev.facerec.recognition.SubjectScore subjectScore) {}

  /**
   * Authentication, transport and abuse limits. {@code adminApiKey} is a secret: it comes only from
   * {@code ADMIN_API_KEY} or {@code ADMIN_API_KEY_FILE} and {@link #toString()} never shows it.
   */
  public record Security(
      Tls tls,
      String adminApiKey,
      Jwt jwt,
      RateLimits rateLimits,
      boolean docsRequireAuth,
      boolean metricsRequireAuth,
      int keyCacheSeconds,
      int keyStaleMaxSeconds) {
    @Override
    public String toString() {
      return "Security[tls=" + tls + ", adminApiKey=" + (adminApiKey == null ? "unset" : "***") + ", jwt=" + jwt
          + ", rateLimits=" + rateLimits + ", docsRequireAuth=" + docsRequireAuth + ", metricsRequireAuth=" + metricsRequireAuth + ", keyCacheSeconds="
          + keyCacheSeconds + ", keyStaleMaxSeconds=" + keyStaleMaxSeconds + "]";
    }
  }

  /** PEM files; all null with {@code allowPlainHttp} for plain HTTP. {@code clientCaFile} turns on mutual TLS. */
  public record Tls(Path certFile, Path keyFile, Path clientCaFile, boolean allowPlainHttp, int reloadCheckSeconds) {
    public boolean enabled() {
      return certFile != null;
    }
  }

  /** JWT verification; {@link #enabled()} once a public key, a JWKS file or the identity provider's keys are configured. */
  public record Jwt(List<Path> publicKeyFiles, Path jwksFile, String issuer, List<String> audience, String rolesClaim,
      String collectionClaim, int leewaySeconds, int queryTokenMaxTtlSeconds, Jwks remote) {
    public boolean enabled() {
      return !publicKeyFiles.isEmpty() || jwksFile != null || remote.enabled();
    }
  }

  /**
   * Keys fetched from the identity provider: {@code url} (JWT_JWKS_URL) or, with {@code discovery}, the
   * {@code jwks_uri} of {@code <issuer>/.well-known/openid-configuration}. Refreshed after the answer's
   * {@code Cache-Control: max-age} bounded to [{@code refreshMinSeconds}, {@code refreshMaxSeconds}] (the maximum
   * without one); a token with an unknown {@code kid} triggers at most one fetch per {@code unknownKidIntervalSeconds}.
   */
  public record Jwks(String url, boolean discovery, int refreshMinSeconds, int refreshMaxSeconds, int unknownKidIntervalSeconds) {
    public boolean enabled() {
      return url != null || discovery;
    }
  }

  /**
   * Requests per {@code windowSeconds}: per key by role (a key with several roles gets the largest), per
   * client address for requests without credentials; after {@code authFailuresBeforeBackoff} failed
   * authentications an address waits 1, 2, 4... seconds, up to {@code maxBackoffSeconds}.
   */
  public record RateLimits(int windowSeconds, Map<String, Integer> perRole, int anonymous, int authFailuresBeforeBackoff,
      int maxBackoffSeconds) {}

  /** A copy safe to log: the database password and the admin key are replaced by {@code ***}. */
  public String masked() {
    return toString().replaceAll("(://[^:/@]+:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&,\\]]*", "$1***");
  }
}
