package dev.facerec.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads {@code conf/application.yaml} (or the copy in the jar), applies environment overrides and validates
 * every value once. A bad value stops the start with one line: variable, value, what is expected.
 */
public final class ConfigLoader {
  public static final String CONFIG_FILE_ENV = "CONFIG_FILE";
  public static final String DEFAULT_FILE = "conf/application.yaml";
  public static final List<String> PROFILES = List.of("faceplugin", "faceplugin-frdetect", "yunet-mobilefacenet", "opencv-zoo");

  private final Map<String, Object> yaml;
  private final Map<String, String> env;

  private ConfigLoader(Map<String, Object> yaml, Map<String, String> env) {
    this.yaml = yaml;
    this.env = env;
  }

  /** Loads from the process environment and {@code CONFIG_FILE} or {@code conf/application.yaml}. */
  public static AppConfig load() {
    return load(System.getenv());
  }

  /**
   * Runs a command-line command on the service's configuration (from the process environment); a configuration
   * error is printed as one line on {@code err} and gives exit code 2, the command is not run.
   */
  public static int runWithConfig(java.io.PrintStream err, java.util.function.ToIntFunction<AppConfig> command) {
    AppConfig config;
    try {
      config = load();
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return 2;
    }
    return command.applyAsInt(config);
  }

  public static AppConfig load(Map<String, String> env) {
    String given = env.get(CONFIG_FILE_ENV);
    boolean explicit = given != null && !given.isBlank();
    return new ConfigLoader(readYaml(Path.of(explicit ? given.trim() : DEFAULT_FILE), explicit), env).build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readYaml(Path file, boolean explicit) {
    Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
    try {
      Object doc;
      if (Files.isRegularFile(file)) {
        doc = parser.load(Files.readString(file, StandardCharsets.UTF_8));
      } else if (explicit) {
        throw new ConfigException(CONFIG_FILE_ENV + "='" + file + "' does not exist: expected a readable YAML file");
      } else {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/" + DEFAULT_FILE)) {
          doc = in == null ? null : parser.load(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      Map<String, Object> flat = new LinkedHashMap<>();
      if (doc instanceof Map<?, ?> m) {
        flatten("", (Map<String, Object>) m, flat);
      }
      return flat;
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException(file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> in, Map<String, Object> out) {
    in.forEach((k, v) -> {
      String key = prefix.isEmpty() ? k : prefix + "." + k;
      if (v instanceof Map<?, ?> m) {
        flatten(key, (Map<String, Object>) m, out);
      } else {
        out.put(key, v);
      }
    });
  }

  private AppConfig build() {
    String profile = text("MODEL_PROFILE", "models.profile", "faceplugin");
    if (!PROFILES.contains(profile)) {
      throw bad("MODEL_PROFILE", profile, "one of " + String.join(", ", PROFILES));
    }
    Map<String, Double> thresholds = thresholds("THRESHOLD_", "models.thresholds.");
    Map<String, Double> identifyThresholds = thresholds("IDENTIFY_THRESHOLD_", "models.identifyThresholds.");
    String level = text("LOG_LEVEL", "logging.level", "INFO").toUpperCase();
    if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
      throw bad("LOG_LEVEL", level, "one of TRACE, DEBUG, INFO, WARN, ERROR");
    }
    String logFormat = text("LOG_FORMAT", "logging.format", "text").toLowerCase();
    if (!List.of("text", "json").contains(logFormat)) {
      throw bad("LOG_FORMAT", logFormat, "text or json");
    }
    String dbUrl = secret("DATABASE_URL");
    // Read from DATABASE_URL_FILE (DATABASE_URL unset): new connections read the file again, so the password rotates.
    String direct = env.get("DATABASE_URL");
    Path dbUrlFile = dbUrl != null && (direct == null || direct.isBlank()) ? Path.of(env.get("DATABASE_URL_FILE").trim()) : null;
    if (dbUrl == null) {
      dbUrl = text("DATABASE_URL", "database.url", "");
    }
    if (!dbUrl.isBlank() && !dbUrl.matches("^(postgres|postgresql|jdbc:postgresql)://.+")) {
      throw bad("DATABASE_URL", maskUrl(dbUrl), "postgres://user:password@host:port/database[?sslmode=...]");
    }
    List<String> origins = new ArrayList<>();
    for (String o : text("CORS_ORIGINS", "api.corsOrigins", "").split(",")) {
      String t = o.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!t.equals("*") && !t.matches("^https?://[^/\\s]+$")) {
        throw bad("CORS_ORIGINS", t, "explicit origins such as https://app.example.com, comma-separated");
      }
      origins.add(t);
    }
    boolean corsCredentials = bool("CORS_ALLOW_CREDENTIALS", "api.corsAllowCredentials", false);
    if (corsCredentials && origins.contains("*")) {
      throw bad("CORS_ORIGINS", "*", "explicit origins: '*' is refused while CORS_ALLOW_CREDENTIALS=true");
    }
    return new AppConfig(
        new AppConfig.Api(
            text("API_HOST", "api.host", "0.0.0.0"),
            integer("API_PORT", "api.port", 8000, 0, 65535),
            longValue("MAX_BODY_BYTES", "api.maxBodyBytes", 10L << 20, 1024, 1L << 31),
            List.copyOf(origins),
            corsCredentials,
            longValue("REQUEST_TIMEOUT_MS", "api.requestTimeoutMs", 30_000, 100, 600_000),
            trustedProxies(),
            integer("SHUTDOWN_GRACE_S", "api.shutdownGraceSeconds", 30, 0, 3600)),
        new AppConfig.Database(
            dbUrl.isBlank() ? null : dbUrl,
            integer("DB_POOL_MAX_SIZE", "database.poolMaxSize", 10, 1, 1000),
            integer("DB_CONNECT_TIMEOUT_MS", "database.connectTimeoutMs", 5000, 100, 600_000),
            integer("DATABASE_STARTUP_WAIT_S", "database.startupWaitSeconds", 300, 0, 86_400),
            integer("DB_BREAKER_OPEN_S", "database.breakerOpenSeconds", 5, 1, 3600),
            integer("DB_RETRY_ATTEMPTS", "database.retryAttempts", 3, 1, 10),
            dbUrlFile),
        new AppConfig.Models(profile, Path.of(text("MODELS_DIR", "models.dir", "models")), thresholds, identifyThresholds),
        new AppConfig.Images(
            integer("MAX_IMAGE_DIMENSION", "images.maxDimension", 16384, 32, 65535),
            longValue("MAX_IMAGE_PIXELS", "images.maxPixels", 40_000_000L, 1024, 268_435_456L),
            integer("PROCESSING_MAX_SIDE", "images.processingMaxSide", 1920, 160, 16384)),
        new AppConfig.Detection(
            integer("DETECT_MAX_SIDE", "detection.maxSide", 640, 160, 4096),
            integer("MAX_FACES_PER_IMAGE", "detection.maxFaces", 50, 1, 1000)),
        new AppConfig.Inference(
            // One worker per core: each runs one image at a time on one ONNX Runtime thread, so together they fill the cores.
            integer("INFERENCE_WORKERS", "inference.workers", Runtime.getRuntime().availableProcessors(), 1, 256),
            integer("INFERENCE_THREADS", "inference.intraOpThreads", 1, 1, 256),
            integer("INFERENCE_QUEUE_SIZE", "inference.queueSize", 32, 1, 100_000),
            longValue("INFERENCE_TIMEOUT_MS", "inference.timeoutMs", 30_000, 100, 600_000)),
        new AppConfig.Index(
            integer("HNSW_M", "index.m", 32, 2, 256),
            integer("HNSW_EF_CONSTRUCTION", "index.efConstruction", 400, 10, 10_000),
            integer("HNSW_EF_SEARCH", "index.efSearch", 400, 10, 10_000),
            integer("INDEX_SNAPSHOT_INTERVAL_S", "index.snapshotIntervalSeconds", 60, 0, 86_400),
            longValue("INDEX_ACK_TIMEOUT_MS", "index.ackTimeoutMs", 5_000, 0, 600_000),
            longValue("CHANGE_LOG_RETENTION", "index.changeLogRetention", 1_000_000, 1_000, 1_000_000_000L),
            integer("INDEX_SHARDS", "index.shards", 6, 1, 1024),
            integer("INDEX_REPLICAS", "index.replicas", 2, 1, 6),
            integer("INDEX_GRID_PORT_OFFSET", "index.gridPortOffset", 200, 1, 10_000),
            longValue("INDEX_HEDGE_MS", "index.hedgeMs", 300, 10, 60_000),
            integer("INDEX_SEARCH_THREADS", "index.searchThreads", Runtime.getRuntime().availableProcessors(), 1, 256),
            engine()),
        new AppConfig.WebSocket(
            integer("WS_MAX_IN_FLIGHT", "websocket.maxInFlight", 2, 1, 64),
            integer("WS_MAX_FRAME_BYTES", "websocket.maxFrameBytes", 4 << 20, 1024, 64 << 20),
            integer("WS_MAX_CONNECTIONS_PER_KEY", "websocket.maxConnectionsPerKey", 4, 1, 10_000)),
        new AppConfig.Enrollment(
            new dev.facerec.quality.QualityGate(
                integer("QUALITY_MIN_FACE_SIZE", "enrollment.minFaceSize", 40, 0, 4096),
                decimal("QUALITY_MIN_DETECTION_SCORE", "enrollment.minDetectionScore", 0.8, 0, 1),
                decimal("QUALITY_MIN_SHARPNESS", "enrollment.minSharpness", 20, 0, 100_000),
                decimal("QUALITY_MAX_YAW", "enrollment.maxYaw", 50, 0, 90),
                decimal("QUALITY_MAX_ROLL", "enrollment.maxRoll", 30, 0, 180),
                decimal("QUALITY_MAX_PITCH", "enrollment.maxPitch", 45, 0, 90)),
            bool("DUPLICATE_CHECK", "enrollment.duplicateCheck", true)),
        new AppConfig.Recognition(
            decimal("MIN_MATCH_MARGIN", "recognition.minMargin", 0, 0, 1),
            bool("FLIP_AUGMENT", "recognition.flipAugment", false),
            subjectScore()),
        security(),
        Path.of(text("DATA_DIR", "data.dir", "data")),
        level,
        logFormat,
        cluster(dbUrl),
        bool("ACCESS_LOG", "logging.accessLog", true),
        tracing());
  }

  private dev.facerec.recognition.SubjectScore subjectScore() {
    String v = text("SUBJECT_SCORE", "recognition.subjectScore", "centroid");
    dev.facerec.recognition.SubjectScore s = dev.facerec.recognition.SubjectScore.parse(v);
    if (s == null) {
      throw bad("SUBJECT_SCORE", v, "centroid (a subject is scored by the mean of its faces) or best (by its most similar face)");
    }
    return s;
  }

  private AppConfig.Tracing tracing() {
    String endpoint = raw("OTEL_EXPORTER_OTLP_ENDPOINT", "tracing.endpoint");
    if (endpoint != null && !endpoint.isEmpty() && !endpoint.matches("(?i)https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
      throw bad("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "the OTLP/HTTP collector's base URL, e.g. http://otel-collector:4318"
          + " (spans are posted to <url>/v1/traces)");
    }
    return new AppConfig.Tracing(endpoint == null || endpoint.isEmpty() ? null : endpoint.replaceAll("/+$", ""),
        decimal("OTEL_TRACES_SAMPLER_ARG", "tracing.sampleRatio", 1.0, 0, 1));
  }

  /** An http(s) URL; plain http only to this machine (a key set fetched over plain HTTP could be replaced on the way). */
  private static String keyUrl(String envName, String v, String what) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(v);
    } catch (java.net.URISyntaxException e) {
      throw bad(envName, v, what);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    String host = uri.getHost();
    if (host == null || !(scheme.equals("https") || scheme.equals("http") && isLoopback(host))) {
      throw bad(envName, v, what + " (https; plain http only to 127.0.0.1, ::1 or localhost)");
    }
    return v;
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1");
  }

  private dev.facerec.index.IndexEngine engine() {
    String name = text("INDEX_ENGINE", "index.engine", dev.facerec.index.IndexEngine.PACKED.configName());
    try {
      return dev.facerec.index.IndexEngine.of(name);
    } catch (IllegalArgumentException e) {
      throw bad("INDEX_ENGINE", name, "packed or hnswlib-core");
    }
  }

  private AppConfig.Cluster cluster(String dbUrl) {
    boolean enabled = bool("CLUSTER_ENABLED", "cluster.enabled", false);
    java.util.Set<dev.facerec.cluster.NodeRole> roles = java.util.EnumSet.noneOf(dev.facerec.cluster.NodeRole.class);
    for (String r : text("NODE_ROLES", "cluster.roles", "api,inference,index").split(",")) {
      if (r.isBlank()) {
        continue;
      }
      dev.facerec.cluster.NodeRole role = dev.facerec.cluster.NodeRole.parse(r.trim());
      if (role == null) {
        throw bad("NODE_ROLES", r.trim(), "a comma-separated list of api, inference, index");
      }
      roles.add(role);
    }
    if (roles.isEmpty()) {
      throw bad("NODE_ROLES", "", "at least one of api, inference, index");
    }
    List<String> members = new ArrayList<>();
    for (String m : text("CLUSTER_MEMBERS", "cluster.members", "").split(",")) {
      String t = m.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!t.matches("^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")) {
        throw bad("CLUSTER_MEMBERS", t, "host:port entries, comma-separated (e.g. node1:5701,node2:5701)");
      }
      members.add(t);
    }
    String host = text("CLUSTER_HOST", "cluster.host", "127.0.0.1");
    String publicHost = text("CLUSTER_PUBLIC_HOST", "cluster.publicHost", "");
    if (enabled && dbUrl.isBlank()) {
      throw new ConfigException("invalid configuration: CLUSTER_ENABLED=true needs DATABASE_URL (an external PostgreSQL that"
          + " every node shares); the embedded database would give each node a gallery of its own");
    }
    if (!enabled && roles.size() < dev.facerec.cluster.NodeRole.values().length) {
      throw bad("NODE_ROLES", text("NODE_ROLES", "cluster.roles", ""), "all three roles when CLUSTER_ENABLED is false (a single"
          + " node must serve api, inference and index)");
    }
    String name = text("NODE_NAME", "cluster.nodeName", "");
    if (name.isBlank()) {
      try {
        name = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        name = "node";
      }
    }
    if (!name.matches("[A-Za-z0-9._:-]{1,64}")) {
      throw bad("NODE_NAME", name, "1 to 64 letters, digits, '.', '_', ':' or '-'");
    }
    return new AppConfig.Cluster(enabled, file("CLUSTER_CONFIG", "cluster.config"), List.copyOf(members), host,
        integer("CLUSTER_PORT", "cluster.port", 5701, 1, 65535), integer("CLUSTER_BUS_PORT", "cluster.busPort", 5801, 0, 65535),
        publicHost.isBlank() ? host : publicHost, name, java.util.Collections.unmodifiableSet(roles),
        integer("CLUSTER_MIN_MEMBERS", "cluster.minMembers", 1, 1, 1000), outboundPorts());
  }

  private String outboundPorts() {
    String v = text("CLUSTER_OUTBOUND_PORTS", "cluster.outboundPorts", "").trim();
    if (!v.isEmpty() && !v.matches("[0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*")) {
      throw bad("CLUSTER_OUTBOUND_PORTS", v, "ports or ranges such as 33000-33100, comma-separated");
    }
    return v;
  }

  /** Proxies whose X-Forwarded-For is believed: IPs and CIDR blocks; empty = the TCP peer is the client. */
  private List<String> trustedProxies() {
    List<String> out = new ArrayList<>();
    for (String e : text("TRUSTED_PROXIES", "api.trustedProxies", "").split(",")) {
      String t = e.trim();
      if (t.isEmpty()) {
        continue;
      }
      try {
        dev.facerec.security.ClientAddress.validate(t);
      } catch (IllegalArgumentException ex) {
        throw bad("TRUSTED_PROXIES", t, "IP addresses or CIDR blocks without host bits (10.0.0.5, 172.28.0.0/16,"
            + " fd00::/8), comma-separated");
      }
      out.add(t);
    }
    return List.copyOf(out);
  }

  /** Roles a rate limit is configured for, with their variables and defaults (requests per window). */
  public static final Map<String, Integer> ROLE_RATE_DEFAULTS = Map.of("admin", 600, "enroll", 600, "recognize", 1200,
      "detect", 1200);

  private AppConfig.Security security() {
    Path cert = file("TLS_CERT_FILE", "tls.certFile");
    Path key = file("TLS_KEY_FILE", "tls.keyFile");
    Path clientCa = file("TLS_CLIENT_CA_FILE", "tls.clientCaFile");
    if ((cert == null) != (key == null)) {
      throw bad(cert == null ? "TLS_CERT_FILE" : "TLS_KEY_FILE", "", "both TLS_CERT_FILE and TLS_KEY_FILE (PEM), or neither");
    }
    if (clientCa != null && cert == null) {
      throw bad("TLS_CLIENT_CA_FILE", clientCa.toString(), "to be set only with TLS_CERT_FILE and TLS_KEY_FILE");
    }
    AppConfig.Tls tls = new AppConfig.Tls(cert, key, clientCa, bool("ALLOW_PLAIN_HTTP", "tls.allowPlainHttp", false),
        integer("TLS_RELOAD_CHECK_S", "tls.reloadCheckSeconds", 10, 0, 86_400));

    String adminKey = secret("ADMIN_API_KEY");
    if (adminKey != null && (adminKey.length() < 32 || adminKey.length() > 256 || !adminKey.matches("[\\x21-\\x7e]+"))) {
      throw new ConfigException("invalid configuration: ADMIN_API_KEY (value hidden) expected 32 to 256 printable"
          + " characters without spaces, e.g. made by `keys create` or `openssl rand -base64 32`");
    }

    List<Path> pems = new ArrayList<>();
    for (String f : text("JWT_PUBLIC_KEY_FILES", "jwt.publicKeyFiles", "").split(",")) {
      if (!f.isBlank()) {
        pems.add(readable("JWT_PUBLIC_KEY_FILES", f.trim()));
      }
    }
    Path jwks = file("JWT_JWKS_FILE", "jwt.jwksFile");
    List<String> audience = new ArrayList<>();
    for (String a : text("JWT_AUDIENCE", "jwt.audience", "").split(",")) {
      if (!a.isBlank()) {
        audience.add(a.trim());
      }
    }
    String jwksUrl = raw("JWT_JWKS_URL", "jwt.jwksUrl");
    jwksUrl = jwksUrl == null || jwksUrl.isEmpty() ? null : keyUrl("JWT_JWKS_URL", jwksUrl, "the identity provider's JWKS URL");
    boolean discovery = bool("JWT_OIDC_DISCOVERY", "jwt.oidcDiscovery", false);
    int refreshMin = integer("JWT_JWKS_REFRESH_MIN_S", "jwt.jwksRefreshMinSeconds", 60, 1, 86_400);
    int refreshMax = integer("JWT_JWKS_REFRESH_MAX_S", "jwt.jwksRefreshMaxSeconds", 900, 1, 86_400);
    if (refreshMax < refreshMin) {
      throw bad("JWT_JWKS_REFRESH_MAX_S", String.valueOf(refreshMax), "at least JWT_JWKS_REFRESH_MIN_S (" + refreshMin + ")");
    }
    AppConfig.Jwks remote = new AppConfig.Jwks(jwksUrl, discovery && jwksUrl == null, refreshMin, refreshMax,
        integer("JWT_JWKS_UNKNOWN_KID_INTERVAL_S", "jwt.jwksUnknownKidIntervalSeconds", 30, 1, 86_400));
    AppConfig.Jwt jwt = new AppConfig.Jwt(List.copyOf(pems), jwks, text("JWT_ISSUER", "jwt.issuer", ""), List.copyOf(audience),
        text("JWT_ROLES_CLAIM", "jwt.rolesClaim", "roles"), text("JWT_COLLECTION_CLAIM", "jwt.collectionClaim", "collection"),
        integer("JWT_LEEWAY_S", "jwt.leewaySeconds", 30, 0, 600),
        integer("WS_TOKEN_MAX_TTL_S", "jwt.queryTokenMaxTtlSeconds", 300, 10, 3600), remote);
    if ((jwt.enabled() || discovery) && jwt.issuer().isBlank()) {
      throw bad("JWT_ISSUER", "", "the issuer every token must carry (required with JWT_PUBLIC_KEY_FILES, JWT_JWKS_FILE,"
          + " JWT_JWKS_URL or JWT_OIDC_DISCOVERY)");
    }
    if (remote.discovery()) {
      keyUrl("JWT_ISSUER", jwt.issuer(), "the issuer's URL for OpenID discovery (JWT_OIDC_DISCOVERY=true)");
    }
    if (jwt.enabled() && jwt.audience().isEmpty()) {
      throw bad("JWT_AUDIENCE", "", "the audience tokens must name (required with JWT_PUBLIC_KEY_FILES, JWT_JWKS_FILE,"
          + " JWT_JWKS_URL or JWT_OIDC_DISCOVERY)");
    }

    Map<String, Integer> perRole = new LinkedHashMap<>();
    ROLE_RATE_DEFAULTS.forEach((role, dflt) -> perRole.put(role,
        integer("RATE_LIMIT_" + role.toUpperCase(), "rateLimits." + role, dflt, 1, 1_000_000)));
    AppConfig.RateLimits limits = new AppConfig.RateLimits(
        integer("RATE_LIMIT_WINDOW_S", "rateLimits.windowSeconds", 60, 1, 3600),
        Map.copyOf(perRole),
        integer("RATE_LIMIT_ANONYMOUS", "rateLimits.anonymous", 60, 1, 1_000_000),
        integer("AUTH_FAILURES_BEFORE_BACKOFF", "rateLimits.authFailuresBeforeBackoff", 5, 1, 10_000),
        integer("AUTH_BACKOFF_MAX_S", "rateLimits.authBackoffMaxSeconds", 900, 1, 86_400));
    return new AppConfig.Security(tls, adminKey, jwt, limits, bool("DOCS_REQUIRE_AUTH", "api.docsRequireAuth", false),
        bool("METRICS_REQUIRE_AUTH", "api.metricsRequireAuth", false),
        integer("KEY_CACHE_TTL_S", "security.keyCacheSeconds", 10, 0, 300),
        integer("KEY_STALE_MAX_S", "security.keyStaleMaxSeconds", 900, 0, 86_400));
  }

  /**
   * A secret: the variable itself, or the trimmed contents of the file named by {@code <NAME>_FILE}. Never
   * read from the YAML file, never echoed in a message.
   */
  private String secret(String envName) {
    String v = env.get(envName);
    if (v != null && !v.isBlank()) {
      return v.trim();
    }
    String file = env.get(envName + "_FILE");
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      String content = Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8).trim();
      return content.isEmpty() ? null : content;
    } catch (IOException | RuntimeException e) {
      throw bad(envName + "_FILE", file.trim(), "a readable file holding the secret");
    }
  }

  private Path file(String envName, String key) {
    String v = raw(envName, key);
    return v == null || v.isEmpty() ? null : readable(envName, v);
  }

  private static Path readable(String envName, String v) {
    Path p = Path.of(v);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw bad(envName, v, "a readable file");
    }
    return p;
  }

  /** Per-profile threshold overrides: {@code <prefix><PROFILE>} variables or {@code <key><profile>} in the file. */
  private Map<String, Double> thresholds(String envPrefix, String keyPrefix) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String p : PROFILES) {
      String envName = envPrefix + p.toUpperCase().replace('-', '_');
      String raw = raw(envName, keyPrefix + p);
      if (raw != null && !raw.isBlank()) {
        out.put(p, parse(envName, raw, Double::parseDouble, v -> v >= -1 && v <= 1, "a cosine similarity between -1 and 1"));
      }
    }
    return Map.copyOf(out);
  }

  /** The raw value: environment first (an empty variable counts as unset), then the YAML file; else null. */
  private String raw(String envName, String key) {
    String v = env.get(envName);
    if (v != null && !v.isBlank()) {
      return v.trim();
    }
    Object y = yaml.get(key);
    return y == null ? null : String.valueOf(y).trim();
  }

  private String text(String envName, String key, String dflt) {
    String v = raw(envName, key);
    return v == null ? dflt : v;
  }

  private int integer(String envName, String key, int dflt, int min, int max) {
    String v = raw(envName, key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    return parse(envName, v, Integer::parseInt, x -> x >= min && x <= max, "an integer from " + min + " to " + max);
  }

  private long longValue(String envName, String key, long dflt, long min, long max) {
    String v = raw(envName, key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    return parse(envName, v, Long::parseLong, x -> x >= min && x <= max, "an integer from " + min + " to " + max);
  }

  private double decimal(String envName, String key, double dflt, double min, double max) {
    String v = raw(envName, key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    return parse(envName, v, Double::parseDouble, x -> x >= min && x <= max, "a number from " + min + " to " + max);
  }

  private boolean bool(String envName, String key, boolean dflt) {
    String v = raw(envName, key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    return switch (v.toLowerCase()) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw bad(envName, v, "true or false");
    };
  }

  private static <T> T parse(String envName, String v, Function<String, T> parser, java.util.function.Predicate<T> ok, String expected) {
    T value;
    try {
      value = parser.apply(v);
    } catch (RuntimeException e) {
      throw bad(envName, v, expected);
    }
    if (!ok.test(value)) {
      throw bad(envName, v, expected);
    }
    return value;
  }

  private static ConfigException bad(String envName, String value, String expected) {
    return new ConfigException("invalid configuration: " + envName + "='" + value + "', expected " + expected);
  }

  /** Masks the password of a database URL for logs and messages. */
  public static String maskUrl(String url) {
    return url == null ? null : url.replaceAll("(://[^:/@]+:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  /** Every environment variable this loader reads (documented in .env.example). */
  public static List<String> variables() {
    return Arrays.asList(
        "CONFIG_FILE", "API_HOST", "API_PORT", "MAX_BODY_BYTES", "CORS_ORIGINS", "REQUEST_TIMEOUT_MS",
        "DATABASE_URL", "DB_POOL_MAX_SIZE", "DB_CONNECT_TIMEOUT_MS", "MODEL_PROFILE", "MODELS_DIR",
        "THRESHOLD_FACEPLUGIN", "THRESHOLD_FACEPLUGIN_FRDETECT", "THRESHOLD_YUNET_MOBILEFACENET", "THRESHOLD_OPENCV_ZOO", "IDENTIFY_THRESHOLD_FACEPLUGIN",
        "IDENTIFY_THRESHOLD_FACEPLUGIN_FRDETECT", "IDENTIFY_THRESHOLD_YUNET_MOBILEFACENET", "IDENTIFY_THRESHOLD_OPENCV_ZOO", "MAX_IMAGE_DIMENSION",
        "MAX_IMAGE_PIXELS", "DETECT_MAX_SIDE", "MAX_FACES_PER_IMAGE", "INFERENCE_WORKERS", "INFERENCE_THREADS",
        "INFERENCE_QUEUE_SIZE", "INFERENCE_TIMEOUT_MS", "HNSW_M", "HNSW_EF_CONSTRUCTION", "HNSW_EF_SEARCH", "INDEX_ENGINE",
        "INDEX_SNAPSHOT_INTERVAL_S", "WS_MAX_IN_FLIGHT", "WS_MAX_FRAME_BYTES", "DATA_DIR", "LOG_LEVEL", "LOG_FORMAT",
        "DATABASE_URL_FILE", "CORS_ALLOW_CREDENTIALS", "WS_MAX_CONNECTIONS_PER_KEY", "ALLOW_PLAIN_HTTP", "TLS_CERT_FILE",
        "TLS_KEY_FILE", "TLS_CLIENT_CA_FILE", "ADMIN_API_KEY", "ADMIN_API_KEY_FILE", "JWT_PUBLIC_KEY_FILES", "JWT_JWKS_FILE",
        "JWT_ISSUER", "JWT_AUDIENCE", "JWT_ROLES_CLAIM", "JWT_COLLECTION_CLAIM", "JWT_LEEWAY_S", "WS_TOKEN_MAX_TTL_S",
        "RATE_LIMIT_WINDOW_S", "RATE_LIMIT_ADMIN", "RATE_LIMIT_ENROLL", "RATE_LIMIT_RECOGNIZE", "RATE_LIMIT_DETECT",
        "RATE_LIMIT_ANONYMOUS", "AUTH_FAILURES_BEFORE_BACKOFF", "AUTH_BACKOFF_MAX_S", "DOCS_REQUIRE_AUTH", "KEY_CACHE_TTL_S",
        "METRICS_REQUIRE_AUTH", "QUALITY_MIN_FACE_SIZE", "QUALITY_MIN_DETECTION_SCORE", "QUALITY_MIN_SHARPNESS", "QUALITY_MAX_YAW",
        "QUALITY_MAX_ROLL", "QUALITY_MAX_PITCH", "DUPLICATE_CHECK", "MIN_MATCH_MARGIN", "FLIP_AUGMENT", "SUBJECT_SCORE",
        "INDEX_ACK_TIMEOUT_MS", "CHANGE_LOG_RETENTION", "CLUSTER_ENABLED", "CLUSTER_CONFIG", "CLUSTER_MEMBERS", "CLUSTER_HOST",
        "CLUSTER_PORT", "CLUSTER_BUS_PORT", "CLUSTER_PUBLIC_HOST", "NODE_NAME", "NODE_ROLES", "TRUSTED_PROXIES", "INDEX_SHARDS",
        "INDEX_REPLICAS", "INDEX_GRID_PORT_OFFSET", "INDEX_HEDGE_MS", "INDEX_SEARCH_THREADS", "CLUSTER_MIN_MEMBERS", "CLUSTER_OUTBOUND_PORTS", "ACCESS_LOG",
        "DATABASE_STARTUP_WAIT_S", "DB_BREAKER_OPEN_S", "DB_RETRY_ATTEMPTS", "KEY_STALE_MAX_S", "SHUTDOWN_GRACE_S",
        "PROCESSING_MAX_SIDE", "TLS_RELOAD_CHECK_S", "JWT_JWKS_URL", "JWT_OIDC_DISCOVERY", "JWT_JWKS_REFRESH_MIN_S",
        "JWT_JWKS_REFRESH_MAX_S", "JWT_JWKS_UNKNOWN_KID_INTERVAL_S", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG");
  }
}
