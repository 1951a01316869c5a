package dev.facerec.bench;

import dev.facerec.security.ApiKeys;
import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Identify over HTTP: a real service on 127.0.0.1 with a gallery of N LFW subjects (one image each,
 * enrolled through the API), then C concurrent clients sending identify requests with other LFW images.
 * Prints req/s and p50/p95/p99 latency.
 *
 * <p>Args: {@code [subjects=1000] [clients=8] [requests=400] [profile=yunet-mobilefacenet] [workers=2]}.
 */
public final class IdentifyHttpBench {
  private static final String ADMIN_KEY = ApiKeys.generate();
  public static void main(String[] args) throws Exception {
    int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 400;
    String profile = args.length > 3 ? args[3] : "yunet-mobilefacenet";
    String workers = args.length > 4 ? args[4] : "2";
    String schema = TestNode.schema("bench");
    Map<String, String> env = TestNode.env(profile, TestData.modelsDir(profile), Files.createTempDirectory("bench"), schema, ADMIN_KEY);
    env.put("INFERENCE_WORKERS", workers);
    env.put("INFERENCE_QUEUE_SIZE", "64");
    env.put("LOG_LEVEL", "WARN");
    env.put("RATE_LIMIT_ADMIN", "1000000"); // the benchmark measures throughput, not the limiter
    env.put("DUPLICATE_CHECK", "false"); // LFW look-alikes would be refused; the gallery size is what matters here
    env.putAll(System.getenv().entrySet().stream().filter(e -> e.getKey().startsWith("BENCH_"))
        .collect(java.util.stream.Collectors.toMap(e -> e.getKey().substring(6), Map.Entry::getValue)));
    try (Service service = Service.start(ConfigLoader.load(env))) {
      Http http = new Http(service.port(), ADMIN_KEY);
      List<Path> probes = new ArrayList<>();
      int enrolled = 0;
      long t0 = System.nanoTime();
      for (List<Path> id : TestData.lfwIdentities(1)) {
        if (enrolled == subjects) {
          break;
        }
        String subjectId = http.postJson("/api/v1/subjects", "{\"name\":\"" + id.get(0).getParent().getFileName() + "\"}").json().getString("id");
        if (http.postFile("/api/v1/subjects/" + subjectId + "/faces", Files.readAllBytes(id.get(0))).status() == 201) {
          enrolled++;
          if (id.size() > 1) {
            probes.add(id.get(1));
          }
        }
      }
      double enrollSecs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("gallery: %d subjects enrolled over HTTP in %.1f s (%.1f enrollments/s), profile %s, %s worker(s)%n",
          enrolled, enrollSecs, enrolled / enrollSecs, profile, workers);
      List<byte[]> bodies = new ArrayList<>();
      for (Path p : probes) {
        bodies.add(Files.readAllBytes(p));
      }
      for (int i = 0; i < 20; i++) {
        http.postFile("/api/v1/identify?largestOnly=true", bodies.get(i % bodies.size()));
      }
      long[] latencies = new long[requests];
      AtomicInteger next = new AtomicInteger();
      AtomicInteger errors = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> fs = new ArrayList<>();
      long start = System.nanoTime();
      for (int c = 0; c < clients; c++) {
        Http client = new Http(service.port(), ADMIN_KEY);
        fs.add(pool.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < requests; ) {
            long s = System.nanoTime();
            Http.Res r = client.postFile("/api/v1/identify?largestOnly=true", bodies.get(i % bodies.size()));
            latencies[i] = System.nanoTime() - s;
            if (r.status() != 200) {
              errors.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      Arrays.sort(latencies);
      System.out.printf("identify over HTTP: %d requests, %d clients, %.1f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %d non-200%n",
          requests, clients, requests / secs, pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), errors.get());
    } finally {
      TestNode.dropSchema(schema);
    }
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
  }
}
