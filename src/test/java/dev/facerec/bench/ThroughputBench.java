package dev.facerec.bench;

import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identify over HTTP against the raw pipeline it wraps, in one run so the machine's noise cancels: a plain Java loop
 * over the same models and the same probe images (decode, detect, landmarks, align, embed; 2 threads, no HTTP, no
 * index), then a real node (its own JVM, from the jar, 2 inference workers) with a gallery enrolled through the API,
 * loaded by wrk (a separate process) posting those probes in turn, then the loop again. Prints the ratio, p50/p99,
 * the node's RSS idle and under load, its time from start to ready, and req/s against concurrent clients (also as a
 * PNG under bench-out/).
 *
 * <p>Args: {@code [subjects=300] [seconds=20] [connections=8] [profiles=yunet-mobilefacenet,faceplugin]
 * [clients=1,2,4,8,16]}. Environment variables {@code BENCH_X=v} set {@code X=v} for the node (a lever to compare).
 */
public final class ThroughputBench {
  static final String KEY = ApiKeys.generate();

  public static void main(String[] args) throws Exception {
    int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int connections = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    String[] profiles = (args.length > 3 ? args[3] : "yunet-mobilefacenet,faceplugin").split(",");
    int[] sweep = java.util.Arrays.stream((args.length > 4 ? args[4] : "1,2,4,8,16").split(",")).mapToInt(Integer::parseInt).toArray();
    Path out = Path.of("bench-out");
    Map<String, List<double[]>> curves = new LinkedHashMap<>();
    List<String> summary = new ArrayList<>();
    for (String profile : profiles) {
      List<Path> gallery = new ArrayList<>();
      List<Path> probes = new ArrayList<>();
      for (List<Path> id : TestData.lfwIdentities(2)) {
        if (gallery.size() == subjects) {
          break;
        }
        gallery.add(id.get(0));
        probes.add(id.get(1));
      }
      List<byte[]> bodies = new ArrayList<>();
      for (Path p : probes) {
        bodies.add(Files.readAllBytes(p));
      }
      System.out.printf("%n== %s: %d probes (LFW, one face each), gallery of %d subjects, wrk -c%d for %d s%n", profile, probes.size(),
          subjects, connections, seconds);
      double raw1 = raw(profile, bodies, 2, seconds);
      System.out.printf("raw pipeline, 2 threads: %.1f images/s%n", raw1);

      String schema = TestNode.schema("throughput");
      Path root = Files.createTempDirectory("throughput");
      Map<String, String> env = TestNode.benchEnv(profile, TestData.modelsDir(profile), root.resolve("data"), schema, KEY);
      int port = Integer.parseInt(env.get("API_PORT"));
      System.getenv().forEach((k, v) -> {
        if (k.startsWith("BENCH_")) {
          env.put(k.substring(6), v);
        }
      });
      long t0 = System.nanoTime();
      try (NodeProcess node = new NodeProcess("throughput-" + profile, env, port).start().awaitReady(Duration.ofMinutes(3))) {
        long readyMs = (System.nanoTime() - t0) / 1_000_000;
        long rssReady = node.rssKb();
        Http http = new Http(port, KEY);
        int enrolled = 0;
        long e0 = System.nanoTime();
        for (Path g : gallery) {
          String id = http.postJson("/api/v1/subjects", "{\"name\":\"" + g.getParent().getFileName() + "\"}").json().getString("id");
          if (http.postFile("/api/v1/subjects/" + id + "/faces", Files.readAllBytes(g)).status() == 201) {
            enrolled++;
          }
        }
        double enrollSecs = (System.nanoTime() - e0) / 1e9;
        long rssIdle = node.rssKb();
        Path list = root.resolve("probes.txt");
        Files.write(list, probes.stream().map(p -> p.toAbsolutePath().toString()).toList());
        Path lua = root.resolve("identify.lua");
        Files.writeString(lua, Wrk.cyclingScript(list, "/api/v1/identify?largestOnly=true", KEY));
        // Warm-up: ONNX Runtime's first runs and the JIT, whose C2 compiler still took 5-10 % of the CPU a minute after start.
        Wrk.run(port, lua, connections, Math.max(60, 2 * seconds));
        List<double[]> curve = new ArrayList<>();
        System.out.println("clients | req/s | p50 ms | p90 ms | p99 ms | non-2xx");
        for (int c : sweep) {
          Wrk.Result r = Wrk.run(port, lua, c, Math.max(8, seconds / 2));
          curve.add(new double[] {c, r.reqPerSec()});
          System.out.printf("%d | %s%n", c, r.row());
        }
        // The measured run comes last, on a JVM warmed by all the above.
        AtomicLong rssMax = new AtomicLong();
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
          while (loading.get()) {
            rssMax.accumulateAndGet(node.rssKb(), Math::max);
            try {
              Thread.sleep(200);
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        sampler.start();
        Map<String, Long> cpu0 = cpuByThreadGroup(node.pid());
        Wrk.Result load = Wrk.run(port, lua, connections, seconds);
        Map<String, Long> cpu1 = cpuByThreadGroup(node.pid());
        loading.set(false);
        sampler.join();
        System.out.printf("node: ready %.1f s after start; %d subjects enrolled over HTTP in %.1f s; RSS %d MiB ready, %d MiB idle with"
            + " the gallery, %d MiB at most under load%n", readyMs / 1000.0, enrolled, enrollSecs, rssReady / 1024, rssIdle / 1024,
            rssMax.get() / 1024);
        System.out.printf("identify over HTTP, %d clients: %.1f req/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (p99/p50 %.2f), non-2xx %d,"
            + " socket errors %s%n", connections, load.reqPerSec(), load.p50(), load.p90(), load.p99(), load.p99() / load.p50(), load.non2xx(),
            load.socketErrors());
        double requests = load.reqPerSec() * seconds;
        StringBuilder cpu = new StringBuilder("node CPU per request, ms:");
        long total = 0;
        for (String group : cpu1.keySet()) {
          long ticks = cpu1.get(group) - cpu0.getOrDefault(group, 0L);
          total += ticks;
          cpu.append(String.format(" %s %.2f,", group, ticks * 10.0 / requests)); // a tick is 10 ms (USER_HZ 100)
        }
        System.out.println(cpu.append(String.format(" all %.2f", total * 10.0 / requests)));
        curves.put(profile + " (over HTTP)", curve);
        node.close();
        double raw2 = raw(profile, bodies, 2, seconds);
        double rawMean = (raw1 + raw2) / 2;
        System.out.printf("raw pipeline again: %.1f images/s%n", raw2);
        List<double[]> flat = new ArrayList<>();
        for (int c : sweep) {
          flat.add(new double[] {c, rawMean});
        }
        curves.put(profile + " (raw pipeline, 2 threads)", flat);
        String line = String.format("%s: HTTP %.1f req/s / raw %.1f images/s = %.2fx (target >= 1.2x); p99/p50 %.2f (target <= 3);"
            + " raw: %.1f ms of a core per image", profile, load.reqPerSec(), rawMean, load.reqPerSec() / rawMean, load.p99() / load.p50(),
            2000 / rawMean);
        summary.add(line);
      } finally {
        TestNode.dropSchema(schema);
      }
    }
    Path png = out.resolve("identify-throughput.png");
    LinePlot.write(png, "identify over HTTP against concurrent clients (wrk)", "concurrent clients", "requests/s", 0, curves);
    System.out.println();
    summary.forEach(System.out::println);
    System.out.println("plot: " + png.toAbsolutePath());
  }

  /**
   * CPU ticks (user + system, 1/100 s) of the node's threads by what they do. Threads that native code starts inherit
   * their creator's name, so ONNX Runtime's and OpenCV's threads count with the inference workers that started them.
   */
  static Map<String, Long> cpuByThreadGroup(long pid) throws java.io.IOException {
    Map<String, Long> out = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (java.io.IOException gone) {
          continue;
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15 of stat
        String group = name.startsWith("vert.x-worker") ? "inference workers"
            : name.startsWith("vert.x-eventloo") ? "event loops"
            : name.startsWith("facerec-index") ? "index search"
            : name.contains("Compiler") ? "JIT"
            : name.equals("VM Thread") || name.startsWith("GC") ? "GC"
            : "other";
        out.merge(group, ticks, Long::sum);
      }
    }
    return out;
  }

  /** Images/s of a plain loop: one pipeline per thread, the images in turn for {@code seconds} after one warm pass. */
  static double raw(String profile, List<byte[]> images, int threads, int seconds) throws Exception {
    ModelManifest manifest = TestData.manifest();
    Path models = TestData.modelsDir(profile);
    List<FacePipeline> pipelines = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      pipelines.add(FacePipeline.open(manifest, profile, models, PipelineOptions.defaults()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      AtomicLong next = new AtomicLong();
      run(pool, pipelines, images, next, () -> next.get() < images.size()); // warm
      next.set(0);
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      long t0 = System.nanoTime();
      long done = run(pool, pipelines, images, next, () -> System.nanoTime() < deadline);
      return done / ((System.nanoTime() - t0) / 1e9);
    } finally {
      pool.shutdown();
      pipelines.forEach(FacePipeline::close);
    }
  }

  private static long run(ExecutorService pool, List<FacePipeline> pipelines, List<byte[]> images, AtomicLong next,
      java.util.function.BooleanSupplier more) throws Exception {
    List<Future<Long>> fs = new ArrayList<>();
    for (FacePipeline p : pipelines) {
      fs.add(pool.submit(() -> {
        long n = 0;
        while (more.getAsBoolean()) {
          p.embed(images.get((int) (next.getAndIncrement() % images.size())), FaceSelection.LARGEST);
          n++;
        }
        return n;
      }));
    }
    long total = 0;
    for (Future<Long> f : fs) {
      total += f.get();
    }
    return total;
  }
}
