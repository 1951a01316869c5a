package dev.facerec.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service node as its own JVM process: the built jar when it is current (CI builds it first), else the
 * test class path, with an environment of the test's choosing. Output goes to target/cluster-it/NAME.log.
 */
public final class NodeProcess implements AutoCloseable {
  private final String name;
  private final Map<String, String> env;
  private final int httpPort;
  private final Path log;
  private Process process;

  public NodeProcess(String name, Map<String, String> env, int httpPort) {
    this.name = name;
    this.env = env;
    this.httpPort = httpPort;
    this.log = Path.of("target", "cluster-it", name + ".log");
  }

  /**
   * A free port below the kernel's ephemeral range (32768 and up on Linux): a port from that range can be handed
   * to some outgoing connection before the node binds it ("Address already in use" under load).
   */
  public static int freePort() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 200; i++) {
      int p = r.nextInt(20_000, 32_000);
      if (!TAKEN.add(p)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(p)) {
        return p;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IllegalStateException("no free port in 20000-32000");
  }

  /** Ports handed out by this JVM: never twice. */
  static final java.util.Set<Integer> TAKEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The first of {@code count} consecutive free ports, every one of them reserved: none was handed out before and
   * no later {@link #freePort} takes one. For a node's CLUSTER_OUTBOUND_PORTS: a test that drops packets by source
   * port over that range would also cut any other node listening inside it (ShardedClusterIT's partition).
   */
  public static int freePortRange(int count) {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 200; i++) {
      int start = r.nextInt(20_000, 32_000 - count);
      List<Integer> reserved = new ArrayList<>();
      boolean free = true;
      for (int p = start; p < start + count && free; p++) {
        free = TAKEN.add(p);
        if (free) {
          reserved.add(p);
          try (ServerSocket s = new ServerSocket(p)) {
            // free now
          } catch (IOException busy) {
            free = false;
          }
        }
      }
      if (free) {
        return start;
      }
      TAKEN.removeAll(reserved);
    }
    throw new IllegalStateException("no " + count + " free consecutive ports in 20000-32000");
  }

  /** A free port whose companion {@code port + offset} is free too (the index grid listens at CLUSTER_PORT + 200). */
  public static int freePortPair(int offset) {
    for (int i = 0; i < 50; i++) {
      int p = freePort();
      if (p + offset < 32_768 && TAKEN.add(p + offset)) {
        try (ServerSocket s = new ServerSocket(p + offset)) {
          return p;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no free port pair");
  }

  /** The command that starts the service's Main with {@code args}. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector")); // as README command 1 and the image
    if (useJar()) {
      cmd.addAll(List.of("-jar", JAR.toString()));
    } else {
      cmd.add("dev.facerec.app.Main"); // the class path goes in CLASSPATH: see environment()
    }
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static final Path JAR = Path.of("target", "facerec-service.jar");

  private static boolean useJar() {
    return Files.isRegularFile(JAR) && JAR.toFile().lastModified() >= newestClass();
  }

  /**
   * The environment a node process needs besides its settings. Without a current jar the test class path
   * is passed in CLASSPATH, not on the command line: ONNX Runtime's native library (1.29) reads /proc/self/cmdline
   * into a fixed buffer and crashes the JVM (SIGSEGV) when the command line is several kilobytes long.
   */
  public static Map<String, String> environment() {
    if (useJar()) {
      return Map.of();
    }
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    // Node processes load classes long after they start: a copy keeps them apart from a rebuild meanwhile.
    String classes = Path.of("target", "classes").toAbsolutePath().toString();
    return Map.of("CLASSPATH", cp.replace(classes, classesCopy().toString()));
  }

  private static Path classesCopy;

  private static synchronized Path classesCopy() {
    if (classesCopy == null) {
      try {
        Path src = Path.of("target", "classes").toAbsolutePath();
        Path dst = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "node-classes");
        try (var files = Files.walk(src)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Path to = dst.resolve(src.relativize(f).toString());
            if (Files.isDirectory(f)) {
              Files.createDirectories(to);
            } else {
              Files.copy(f, to);
            }
          }
        }
        classesCopy = dst;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return classesCopy;
  }

  private static long newestClass() {
    try (var files = Files.walk(Path.of("target", "classes"))) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  public NodeProcess start() throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(environment());
    pb.environment().putAll(env);
    Files.writeString(log, "---- start " + java.time.Instant.now() + "\n", java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    process = pb.start();
    return this;
  }

  /** Waits until the node's readiness probe answers 200; fails with the log's tail when it exits or times out. */
  public NodeProcess awaitReady(Duration timeout) throws Exception {
    long until = System.nanoTime() + timeout.toNanos();
    Http http = new Http(httpPort);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new AssertionError("node " + name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        if (http.get("/api/v1/health/ready").status() == 200) {
          return this;
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("node " + name + " not ready after " + timeout + ":\n" + tail());
  }

  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public String logText() throws IOException {
    return Files.readString(log);
  }

  /** The log of this process only (the file keeps earlier runs of the same name). */
  public String logOfThisRun() throws IOException {
    String all = Files.readString(log);
    int at = all.lastIndexOf("---- start ");
    return at < 0 ? all : all.substring(at);
  }

  public int port() {
    return httpPort;
  }

  public String name() {
    return name;
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM: the service drains and stops in order (its shutdown hook); does not wait. */
  public void sigterm() {
    process.destroy();
  }

  /** The process's resident set size in KiB (Linux /proc), or -1 once it has exited. */
  public long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  /** Heap in use after a full collection, in KiB (jcmd GC.run, then GC.heap_info): what the process retains. */
  public long heapUsedAfterGcKb() throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, String.valueOf(process.pid()), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
    Process info = new ProcessBuilder(jcmd, String.valueOf(process.pid()), "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(info.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    info.waitFor(60, TimeUnit.SECONDS);
    long used = 0;
    for (String line : out.split("\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(line);
      if (line.contains("generation") && m.find()) {
        used += Long.parseLong(m.group(1)); // young and old generations (Serial GC), not metaspace
      }
    }
    if (used == 0) {
      throw new IOException("no heap figure from jcmd: " + out);
    }
    return used;
  }

  /** SIGKILL: no shutdown hook, no snapshot, no goodbye to the cluster. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit on its own (after a drain). */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  public static String classpathSeparator() {
    return File.pathSeparator;
  }
}
