package dev.facerec.bench;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.Load;
import dev.facerec.testing.Malformed;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Memory over a long mixed load: a node in its own JVM (the built jar; the machine's PostgreSQL, a schema of its
 * own) under identify, detect, enroll, subject creation and malformed uploads from several clients for M minutes.
 * Prints, per minute, the requests answered by status and the node's RSS, and the heap retained (after a full GC)
 * at the start and the end.
 *
 * <p>Args: {@code [minutes=10] [clients=6] [variants=default]}: variants, comma-separated, run side by side, each a
 * node of its own under its own clients; a variant is levers joined by {@code +}: {@code default}, {@code arena2}
 * (MALLOC_ARENA_MAX=2), {@code noortarena} (ONNX Runtime's CPU arena off). Run with {@code bash bench/run.sh resilience}
 * (builds the jar first).
 */
public final class ResilienceBench {
  private static final String KEY = ApiKeys.generate();

  /** How a node is started: the allocator's arenas and ONNX Runtime's CPU arena are the levers on native memory. */
  record Variant(String name, Map<String, String> env) {
    static Variant of(String name) {
      Map<String, String> env = new java.util.HashMap<>();
      for (String lever : name.split("\\+")) {
        switch (lever) {
          case "default" -> { }
          case "arena2" -> env.put("MALLOC_ARENA_MAX", "2"); // glibc: at most 2 malloc arenas instead of 8 per core
          case "noortarena" -> env.put("JAVA_TOOL_OPTIONS", "-Dfacerec.ortArena=false"); // ONNX Runtime's own CPU arena off
          default -> throw new IllegalArgumentException("unknown lever " + lever + " (default, arena2, noortarena)");
        }
      }
      return new Variant(name, env);
    }
  }

  public static void main(String[] args) throws Exception {
    int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 6;
    List<Variant> variants = java.util.Arrays.stream((args.length > 2 ? args[2] : "default").split(",")).map(Variant::of).toList();
    // Side by side in one run: every variant gets the same load at the same time, so machine noise hits all alike.
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(variants.size());
    List<java.util.concurrent.Future<List<String>>> runs = new java.util.ArrayList<>();
    for (Variant v : variants) {
      runs.add(pool.submit(() -> run(v, minutes, clients)));
    }
    List<List<String>> reports = new java.util.ArrayList<>();
    for (var r : runs) {
      reports.add(r.get());
    }
    pool.shutdown();
    for (int i = 0; i < variants.size(); i++) {
      System.out.println();
      System.out.println("### " + variants.get(i).name() + " " + variants.get(i).env());
      reports.get(i).forEach(System.out::println);
    }
  }

  private static List<String> run(Variant variant, int minutes, int clients) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    String profile = "yunet-mobilefacenet";
    String schema = TestNode.schema("resbench");
    Map<String, String> env = TestNode.benchEnv(profile, TestData.modelsDir(profile), Files.createTempDirectory("resbench"), schema, KEY);
    int port = Integer.parseInt(env.get("API_PORT"));
    env.put("INFERENCE_QUEUE_SIZE", "64");
    env.putAll(variant.env());
    try (NodeProcess node = new NodeProcess("resilience-bench-" + variant.name(), env, port).start()) {
      node.awaitReady(Duration.ofSeconds(180));
      Http http = new Http(port, KEY);
      List<List<Path>> ids = TestData.lfwIdentities(2);
      String subject = http.postJson("/api/v1/subjects", "{\"name\":\"bench\"}").json().getString("id");
      byte[] group = Files.readAllBytes(TestData.faces().resolve("groups/faceapi_bbt1.jpg"));
      byte[] big = Files.readAllBytes(TestData.faces().resolve("groups/deepface_couple.jpg"));
      IntFunction<IntFunction<Load.Op>> ops = c -> {
        Random random = new Random(100 + c);
        return n -> {
          byte[] face = read(ids.get(random.nextInt(400)).get(0));
          return switch ((c + n) % 6) {
            case 0 -> new Load.Op("identify", image(port, "/api/v1/identify", group));
            case 1 -> new Load.Op("identify-photo", image(port, "/api/v1/identify?largestOnly=true", big));
            case 2 -> new Load.Op("detect", image(port, "/api/v1/detect", face));
            case 3 -> new Load.Op("enroll", image(port, "/api/v1/subjects/" + subject + "/faces", face));
            case 4 -> new Load.Op("subject", HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/subjects"))
                .header("X-API-Key", KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"s" + n + "\"}")).build());
            default -> {
              Malformed.Body b = random.nextBoolean()
                  ? new Malformed.Body("mutated", "multipart/form-data; boundary=" + Malformed.BOUNDARY,
                      Malformed.filePart("file", "f.jpg", Malformed.mutate(face, random)))
                  : Malformed.multipart(random.nextInt(Malformed.MULTIPART_KINDS), face, random);
              yield new Load.Op("malformed", HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/detect"))
                  .header("X-API-Key", KEY).header("Content-Type", b.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(b.bytes()))
                  .build());
            }
          };
        };
      };
      long heap0 = node.heapUsedAfterGcKb();
      long rss0 = node.rssKb();
      out.add(String.format("%d clients, %d min; at start RSS %d MiB, heap after GC %d MiB", clients, minutes, rss0 / 1024, heap0 / 1024));
      out.add("| minute | requests | 2xx | 4xx | 503 | other 5xx | unanswered | RSS MiB |");
      out.add("|---:|---:|---:|---:|---:|---:|---:|---:|");
      long maxRss = rss0;
      try (Load load = new Load(clients, ops, 0, Duration.ofSeconds(60))) {
        for (int m = 1; m <= minutes; m++) {
          long from = load.now();
          for (int s = 0; s < 6; s++) {
            Thread.sleep(10_000);
            maxRss = Math.max(maxRss, node.rssKb());
          }
          long to = load.now();
          long rss = node.rssKb();
          List<Load.Outcome> window = load.outcomes().stream().filter(o -> o.atMs() >= from && o.atMs() < to).toList();
          String row = String.format("| %d | %d | %d | %d | %d | %d | %d | %d |", m, window.size(),
              window.stream().filter(o -> o.status() / 100 == 2).count(), window.stream().filter(o -> o.status() / 100 == 4).count(),
              window.stream().filter(o -> o.status() == 503).count(),
              window.stream().filter(o -> o.status() >= 500 && o.status() != 503).count(),
              window.stream().filter(o -> !o.answered()).count(), rss / 1024);
          out.add(row);
          System.out.println(variant.name() + " " + row);
        }
        load.close();
        out.add("by operation and answer: " + load.counts(0, Long.MAX_VALUE));
      }
      long heap = node.heapUsedAfterGcKb();
      out.add(String.format("at the end: RSS %d MiB (max %d), heap after GC %d MiB (start %d MiB)", node.rssKb() / 1024, maxRss / 1024,
          heap / 1024, heap0 / 1024));
      return out;
    } finally {
      TestNode.dropSchema(schema);
    }
  }

  private static HttpRequest image(int port, String path, byte[] image) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-API-Key", KEY)
        .header("Content-Type", "multipart/form-data; boundary=" + Malformed.BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(Malformed.filePart("file", "f.jpg", image))).build();
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
