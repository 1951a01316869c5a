package dev.facerec.testing;

import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ModelsCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test data. The default suite reads only what the repository holds: the face fixtures under
 * {@code src/test/resources/faces} (provenance and license of each file in its {@code sources.csv}) and models that
 * the product's own {@code models fetch} installs into {@code models/}. The full-data suite ({@code -Pfull-data},
 * classes tagged {@value #FULL_DATA}) also reads the staging copies under {@code shared.dir} ({@code ../shared}).
 */
public final class TestData {
  /** The JUnit tag of tests that need the full data set under {@code shared.dir}. */
  public static final String FULL_DATA = "full-data";

  private static final Map<String, Path> BY_SHA = new HashMap<>();
  private static final List<Path> SCANNED = new ArrayList<>();

  private TestData() {}

  // ---- the committed fixtures ----

  /** The fixture root: {@code orl/}, {@code face_recognition_examples/}, {@code groups/}, {@code yale/}, {@code sources.csv}. */
  public static Path faces() {
    try {
      var url = TestData.class.getResource("/faces/sources.csv");
      if (url == null) {
        throw new IllegalStateException("the face fixtures (src/test/resources/faces) are not on the test classpath");
      }
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One fixture file, e.g. {@code groups/faceapi_bbt4.jpg}. */
  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(faces().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The labeled people of the fixtures with at least {@code min} images each, every one with its images sorted: first
   * the public-domain colour JPEGs ({@code face_recognition_examples}: Barack_Obama, Joe_Biden), then the ORL subjects
   * (92x112 grey PNGs, {@code s1}, {@code s2}, ... in numeric order).
   */
  public static List<List<Path>> people(int min) {
    List<List<Path>> out = new ArrayList<>();
    for (String set : List.of("face_recognition_examples", "orl")) {
      try (Stream<Path> dirs = Files.list(faces().resolve(set))) {
        dirs.filter(Files::isDirectory).sorted(Comparator.comparing(TestData::naturalKey)).map(TestData::images)
            .filter(l -> l.size() >= min).forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The name of the person an image of {@link #people} shows. */
  public static String personOf(Path image) {
    return image.getParent().getFileName().toString();
  }

  private static String naturalKey(Path dir) {
    String n = dir.getFileName().toString();
    return n.matches("s\\d+") ? String.format("s%04d", Integer.parseInt(n.substring(1))) : n;
  }

  private static List<Path> images(Path dir) {
    try (Stream<Path> imgs = Files.list(dir)) {
      return imgs.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted(Comparator.comparing(TestData::naturalKey)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the full data set (full-data suite only) ----

  /** The staging copies of models and faces; fails, saying where it looked, when they are not there. */
  public static Path shared() {
    Path p = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("faces"))) {
      throw new IllegalStateException("the full data set is expected at " + p + " (faces/ and models/; set -Dshared.dir=DIR):"
          + " only the full-data suite (mvn test -Pfull-data) needs it");
    }
    return p;
  }

  /** Every labeled set of the full data ({@code lfw}, {@code orl}, {@code yale}, ..., {@code groups}). */
  public static Path sharedFaces() {
    return shared().resolve("faces");
  }

  public static Path lfw() {
    return sharedFaces().resolve("lfw");
  }

  /** LFW identities with at least {@code min} images, sorted by name (full data: benchmarks and the full-data suite). */
  public static List<List<Path>> lfwIdentities(int min) throws IOException {
    try (Stream<Path> dirs = Files.list(lfw())) {
      return dirs.filter(Files::isDirectory).sorted().map(d -> {
        try (Stream<Path> imgs = Files.list(d)) {
          return imgs.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).filter(l -> l.size() >= min).toList();
    }
  }

  // ---- models ----

  public static ModelManifest manifest() {
    return ModelManifest.load(null); // the bundled copy of models/manifest.json
  }

  /**
   * The repository's {@code models/} directory, where {@code models fetch} installs (the service's default
   * {@code MODELS_DIR}).
   */
  public static Path installedModels() {
    return Path.of(ModelsCommand.DEFAULT_MODELS_DIR).toAbsolutePath();
  }

  /**
   * A fresh directory holding links to the model files of a profile, found by sha256 in {@code models/}, else in the
   * full data's {@code models/}. When neither has them the faceplugin profiles are installed into {@code models/} by the
   * product's own {@code models fetch} (YuNet from the jar's bundled copy, the rest from npm); other profiles need the
   * full data (or an earlier {@code models fetch --from DIR}).
   */
  public static synchronized Path modelsDir(String profile) throws IOException {
    List<ModelSpec> specs = manifest().modelsOf(profile);
    if (specs.stream().anyMatch(m -> find(m) == null) && profile.startsWith("faceplugin")) {
      fetch(profile);
    }
    Path dir = Files.createTempDirectory("models-" + profile);
    for (ModelSpec m : specs) {
      Path src = find(m);
      if (src == null) {
        throw new IllegalStateException("model " + m.file() + " (sha256 " + m.sha256() + ") of profile '" + profile
            + "' is in neither " + installedModels() + " nor the full data: run `java -jar target/facerec-service.jar models fetch"
            + " --profile " + profile + "` (or --from DIR)");
      }
      Files.createSymbolicLink(dir.resolve(m.file()), src);
    }
    return dir;
  }

  /**
   * A fresh directory under {@code tmp} holding, under the manifest's file names, links to every model file that is
   * installed or staged (the SFace file, for one, is not).
   */
  public static Path modelsDir(Path tmp, ModelManifest manifest) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("models"));
      for (ModelSpec m : manifest.models().values()) {
        Path src = find(m);
        Path link = dir.resolve(m.file());
        if (src != null && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, src);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes a directory made by {@link #modelsDir}: the links only, never their targets. */
  public static void deleteModelsDir(Path dir) {
    try (var links = Files.list(dir)) {
      for (Path p : (Iterable<Path>) links::iterator) {
        Files.delete(p);
      }
      Files.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void fetch(String profile) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
    int rc = ModelsCommand.run(new String[] {"fetch", "--profile", profile, "--models-dir", installedModels().toString()}, ps, ps);
    if (rc != ModelsCommand.OK) {
      throw new IllegalStateException("models fetch --profile " + profile + " failed (" + rc + "): " + log.toString(StandardCharsets.UTF_8));
    }
    synchronized (BY_SHA) {
      SCANNED.remove(installedModels());
    }
  }

  private static Path find(ModelSpec m) {
    try {
      scan(installedModels());
      Path p = BY_SHA.get(m.sha256());
      if (p == null) {
        Path shared = Path.of(System.getProperty("shared.dir", "../shared"), "models").toAbsolutePath().normalize();
        scan(shared);
        p = BY_SHA.get(m.sha256());
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void scan(Path dir) throws IOException {
    synchronized (BY_SHA) {
      if (SCANNED.contains(dir) || !Files.isDirectory(dir)) {
        return;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".onnx") && Files.isRegularFile(p)).toList()) {
          BY_SHA.putIfAbsent(sha256(f), f);
        }
      }
      SCANNED.add(dir);
    }
  }

  public static String sha256(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
