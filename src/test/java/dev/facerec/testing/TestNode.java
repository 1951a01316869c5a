package dev.facerec.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of a service node started in a test: 127.0.0.1 on a free port, plain HTTP, the test's
 * admin key, one inference worker, and the test PostgreSQL ({@link TestDatabase}) in a schema of the test's own.
 */
public final class TestNode {
  private TestNode() {}

  /** A fresh schema name for one test class. */
  public static String schema(String prefix) {
    return prefix + "_" + Long.toHexString(System.nanoTime());
  }

  /** A mutable environment: tests add or replace what they exercise. */
  public static Map<String, String> env(String profile, Path modelsDir, Path dataDir, String schema, String adminKey) {
    Map<String, String> env = new HashMap<>();
    env.put("API_HOST", "127.0.0.1");
    env.put("API_PORT", "0");
    env.put("ALLOW_PLAIN_HTTP", "true");
    env.put("ADMIN_API_KEY", adminKey);
    env.put("DATABASE_URL", TestDatabase.url(schema));
    env.put("MODEL_PROFILE", profile);
    env.put("MODELS_DIR", modelsDir.toString());
    env.put("DATA_DIR", dataDir.toString());
    env.put("INFERENCE_WORKERS", "1");
    return env;
  }

  /**
   * A clustered node of a test or benchmark on 127.0.0.1: free HTTP and event-bus ports, the given Hazelcast port
   * and member list, and rate limits out of the way (they are tested on their own).
   */
  public static Map<String, String> clusterEnv(String profile, Path modelsDir, Path dataDir, String schema, String adminKey,
      String name, String members, int clusterPort) {
    Map<String, String> env = env(profile, modelsDir, dataDir, schema, adminKey);
    env.put("API_PORT", String.valueOf(NodeProcess.freePort()));
    env.put("CLUSTER_ENABLED", "true");
    env.put("CLUSTER_MEMBERS", members);
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("CLUSTER_BUS_PORT", String.valueOf(NodeProcess.freePort()));
    env.put("NODE_NAME", name);
    return withoutRateLimits(env);
  }

  /**
   * A single node of a benchmark in its own JVM: a free API port, two inference workers (the benchmarks' 2-core baseline),
   * no duplicate check (LFW look-alikes would be refused; the gallery's size is what matters) and rate limits out of the
   * way (throughput, not the limiter, is measured).
   */
  public static Map<String, String> benchEnv(String profile, Path modelsDir, Path dataDir, String schema, String adminKey) {
    Map<String, String> env = env(profile, modelsDir, dataDir, schema, adminKey);
    env.put("API_PORT", String.valueOf(NodeProcess.freePort()));
    env.put("INFERENCE_WORKERS", "2");
    env.put("DUPLICATE_CHECK", "false");
    env.put("LOG_LEVEL", "WARN");
    return withoutRateLimits(env);
  }

  private static Map<String, String> withoutRateLimits(Map<String, String> env) {
    for (String role : java.util.List.of("ADMIN", "ENROLL", "RECOGNIZE", "DETECT")) {
      env.put("RATE_LIMIT_" + role, "1000000");
    }
    return env;
  }

  public static void dropSchema(String schema) {
    TestDatabase.dropSchema(schema);
  }
}
