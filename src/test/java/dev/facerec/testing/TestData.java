package dev.facerec.testing;

import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test access to the shared data: face images and model files under {@code shared.dir} (read-only).
 * Models are linked into a temporary models directory under the manifest's file names, matched by sha256,
 * exactly as {@code models fetch --from} would find them.
 */
public final class TestData {
  private static final Map<String, Path> BY_SHA = new HashMap<>();

  private TestData() {}

  /** Removes a directory made by {@link #modelsDir}: the links only, never their targets. */
  public static void deleteModelsDir(Path dir) {
    try (var links = Files.list(dir)) {
      for (Path p : (Iterable<Path>) links::iterator) {
        Files.delete(p);
      }
      Files.delete(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Same as {@link #shared()}. */
  public static Path sharedDir() {
    return shared();
  }

  /**
   * A fresh directory under {@code tmp} holding, under the manifest's file names, links to every staged
   * model file that exists (the SFace file, for one, does not).
   */
  public static Path modelsDir(Path tmp, ModelManifest manifest) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("models"));
      for (ModelSpec m : manifest.models().values()) {
        Path src = bySha(m.sha256(), m.size());
        Path link = dir.resolve(m.file());
        if (src != null && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, src);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static Path shared() {
    Path p = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("faces"))) {
      throw new IllegalStateException("shared test data not found at " + p + " (set -Dshared.dir)");
    }
    return p;
  }

  public static Path faces() {
    return shared().resolve("faces");
  }

  public static Path lfw() {
    return faces().resolve("lfw");
  }

  public static ModelManifest manifest() {
    return ModelManifest.load(null); // the bundled copy of models/manifest.json
  }

  /** A fresh directory holding links to the shared model files of a profile. */
  public static Path modelsDir(String profile) throws IOException {
    Path dir = Files.createTempDirectory("models-" + profile);
    for (ModelSpec m : manifest().modelsOf(profile)) {
      Path src = bySha(m.sha256(), m.size());
      if (src == null) {
        throw new IllegalStateException("no file with sha256 " + m.sha256() + " (" + m.file() + ") in " + shared().resolve("models"));
      }
      Files.createSymbolicLink(dir.resolve(m.file()), src);
    }
    return dir;
  }

  private static synchronized Path bySha(String sha, long size) throws IOException {
    if (BY_SHA.isEmpty()) {
      try (Stream<Path> files = Files.list(shared().resolve("models"))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          BY_SHA.put(sha256(f), f);
        }
      }
    }
    return BY_SHA.get(sha);
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

  /** LFW identities with at least {@code min} images, sorted by name, each with its sorted image files. */
  public static List<List<Path>> lfwIdentities(int min) throws IOException {
    try (Stream<Path> dirs = Files.list(lfw())) {
      return dirs.filter(Files::isDirectory).sorted().map(d -> {
        try (Stream<Path> imgs = Files.list(d)) {
          return imgs.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).filter(l -> l.size() >= min).toList();
    }
  }
}
