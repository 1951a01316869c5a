package dev.facerec.bench;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster's figures on this machine: identify req/s and p99 through nginx (load from wrk, a separate
 * process) with 1, 2 and 3 nodes of all roles; the time from kill -9 of a node to a correct cluster view;
 * the catch-up of a node that missed N changes. Every node is a separate JVM on 127.0.0.1.
 *
 * <p>Args: {@code [subjects=200] [seconds=20] [connections=8] [changes=1000] [profile=yunet-mobilefacenet]}.
 */
public final class ClusterBench {
  static final String KEY = ApiKeys.generate();

  public static void main(String[] args) throws Exception {
    int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int connections = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int changes = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
    String profile = args.length > 4 ? args[4] : "yunet-mobilefacenet";
    String schema = TestNode.schema("clusterbench");
    Path models = TestData.modelsDir(profile);
    Path root = Files.createTempDirectory("clusterbench");
    Map<String, Integer> hz = new HashMap<>();
    List<String> names = List.of("b1", "b2", "b3");
    names.forEach(n -> hz.put(n, NodeProcess.freePortPair(200)));
    String members = String.join(",", names.stream().map(n -> "127.0.0.1:" + hz.get(n)).toList());
    Map<String, NodeProcess> nodes = new java.util.LinkedHashMap<>();
    Map<String, Map<String, String>> envs = new HashMap<>();
    for (String n : names) {
      Map<String, String> env = TestNode.clusterEnv(profile, models, root.resolve(n), schema, KEY, n, members, hz.get(n));
      env.put("INDEX_SNAPSHOT_INTERVAL_S", "5");
      env.put("LOG_LEVEL", "WARN");
      envs.put(n, env);
    }
    Process nginx = null;
    try {
      // 1. One node, a gallery enrolled through it.
      nodes.put("b1", new NodeProcess("bench-b1", envs.get("b1"), port(envs, "b1")).start().awaitReady(Duration.ofMinutes(3)));
      Http b1 = new Http(port(envs, "b1"), KEY);
      List<List<Path>> people = TestData.lfwIdentities(2);
      int enrolled = 0;
      for (List<Path> p : people) {
        if (enrolled == subjects) {
          break;
        }
        String id = b1.postJson("/api/v1/subjects", "{\"name\":\"" + p.get(0).getParent().getFileName() + "\"}").json().getString("id");
        if (b1.postFile("/api/v1/subjects/" + id + "/faces?allowDuplicate=true", Files.readAllBytes(p.get(0))).status() == 201) {
          enrolled++;
        }
      }
      Path probe = people.get(0).get(1);
      Path lua = root.resolve("identify.lua");
      Path list = Files.writeString(root.resolve("probe.txt"), probe.toAbsolutePath() + "\n");
      Files.writeString(lua, Wrk.cyclingScript(list, "/api/v1/identify?largestOnly=true", KEY));
      System.out.printf("gallery: %d subjects (%s); load: wrk -c%d -t2 -d%ds, identify of one LFW face, through nginx%n",
          enrolled, profile, connections, seconds);
      System.out.println("nodes | req/s | p50 ms | p99 ms | non-2xx");
      int nginxPort = NodeProcess.freePort();
      for (int n = 1; n <= 3; n++) {
        if (n > 1) {
          String name = names.get(n - 1);
          nodes.put(name, new NodeProcess("bench-" + name, envs.get(name), port(envs, name)).start().awaitReady(Duration.ofMinutes(3)));
        }
        if (nginx != null) {
          nginx.destroy();
          nginx.waitFor();
        }
        nginx = nginx(root, nginxPort, nodes.keySet().stream().map(x -> port(envs, x)).toList());
        Http.Res warm = new Http(nginxPort, KEY).postFile("/api/v1/identify", Files.readAllBytes(probe));
        if (warm.status() != 200) {
          throw new IllegalStateException("identify through nginx failed: " + warm);
        }
        Wrk.Result r = Wrk.run(nginxPort, lua, connections, seconds);
        System.out.printf("%d | %.1f | %.1f | %.1f | %d%n", n, r.reqPerSec(), r.p50(), r.p99(), r.non2xx());
      }

      // 2. kill -9 of b3: time until b1's view is correct again.
      long t0 = System.nanoTime();
      nodes.get("b3").kill9();
      while (clusterMembers(b1) != 2) {
        Thread.sleep(50);
      }
      System.out.printf("kill -9 of b3 -> cluster view correct on b1 after %d ms; b1 ready: %s%n", (System.nanoTime() - t0) / 1_000_000,
          new Http(port(envs, "b1")).get("/api/v1/health/ready").status() == 200);

      // 3. b2 stops (snapshot saved), misses `changes` enrollments, restarts and catches up.
      nodes.get("b2").close();
      String subject = b1.postJson("/api/v1/subjects", "{\"name\":\"catch-up\"}").json().getString("id");
      byte[] img = Files.readAllBytes(probe);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      AtomicInteger ok = new AtomicInteger();
      for (int i = 0; i < changes; i++) {
        pool.submit(() -> {
          if (b1.postFile("/api/v1/subjects/" + subject + "/faces?allowDuplicate=true", img).status() == 201) {
            ok.incrementAndGet();
          }
        });
      }
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.MINUTES);
      long t1 = System.nanoTime();
      nodes.put("b2", new NodeProcess("bench-b2", envs.get("b2"), port(envs, "b2")).start().awaitReady(Duration.ofMinutes(3)));
      long readyMs = (System.nanoTime() - t1) / 1_000_000;
      JsonObject status = b1.get("/api/v1/admin/cluster/status").json();
      JsonObject startup = status.getJsonArray("members").stream().map(o -> (JsonObject) o).filter(m -> m.getString("name").equals("b2"))
          .findFirst().orElseThrow().getJsonObject("index").getJsonObject("startup");
      System.out.printf("b2 missed %d changes: process start to ready %d ms; index startup %s; replicas agree: %s%n", ok.get(), readyMs,
          startup.encode(), status.getBoolean("replicasAgree"));
    } finally {
      if (nginx != null) {
        nginx.destroy();
      }
      for (NodeProcess p : nodes.values()) {
        p.close();
      }
      TestNode.dropSchema(schema);
    }
  }

  static int port(Map<String, Map<String, String>> envs, String n) {
    return Integer.parseInt(envs.get(n).get("API_PORT"));
  }

  static int clusterMembers(Http h) {
    return h.get("/api/v1/admin/cluster/status").json().getJsonArray("members").size();
  }

  static Process nginx(Path root, int port, List<Integer> upstreams) throws Exception {
    Path dir = Files.createDirectories(root.resolve("nginx-" + port + "-" + upstreams.size()));
    Files.createDirectories(dir.resolve("logs"));
    StringBuilder servers = new StringBuilder();
    upstreams.forEach(u -> servers.append("    server 127.0.0.1:").append(u).append(" max_fails=3 fail_timeout=10s;\n"));
    // The proxying part of cluster/nginx.conf, without TLS (the figures compare node counts, not TLS).
    Files.writeString(dir.resolve("nginx.conf"), "worker_processes 1;\npid " + dir.resolve("nginx.pid") + ";\n"
        + "error_log " + dir.resolve("logs/error.log") + " warn;\ndaemon off;\nevents { worker_connections 1024; }\n"
        + "http {\n  access_log off;\n  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n"
        + "  fastcgi_temp_path " + dir + "/f;\n  uwsgi_temp_path " + dir + "/u;\n  scgi_temp_path " + dir + "/s;\n"
        + "  upstream api {\n" + servers + "    keepalive 32;\n  }\n"
        + "  server {\n    listen 127.0.0.1:" + port + ";\n    client_max_body_size 10m;\n"
        + "    location / {\n      proxy_pass http://api;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
        + "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_next_upstream error timeout http_502 http_503;\n"
        + "      proxy_read_timeout 35s;\n    }\n  }\n}\n");
    Process p = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
    for (int i = 0; i < 50; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return p;
      } catch (java.io.IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("logs/error.log")));
  }
}
