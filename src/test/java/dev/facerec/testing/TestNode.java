package dev.facerec.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of a service node started in a test: 127.0.0.1 on a free port, plain HTTP, the test's
 * admin key, one inference worker, and the machine's PostgreSQL in a schema of the test's own.
 */
public final class TestNode {
  public static final String PG = "127.0.0.1:5432/test";

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
    env.put("DATABASE_URL", "postgres://postgres@" + PG + "?schema=" + schema);
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
    for (String role : java.util.List.of("ADMIN", "ENROLL", "RECOGNIZE", "DETECT")) {
      env.put("RATE_LIMIT_" + role, "1000000");
    }
    return env;
  }

  public static void dropSchema(String schema) {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + PG, "postgres", "")) {
      c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema, e);
    }
  }
}
