package dev.facerec.testing;

import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Locates the shared models and face images, and builds a models directory the manifest can use. */
public final class TestData {
  /** Manifest file name -> staged file name in shared/models, where they differ. */
  private static final Map<String, String> STAGED = Map.of(
      "fr_detect.onnx", "faceplugin_fr_detect.onnx",
      "fr_landmark.onnx", "faceplugin_fr_landmark.onnx",
      "fr_feature.onnx", "faceplugin_fr_feature_512d.onnx");

  private TestData() {}

  public static Path sharedDir() {
    String dir = System.getProperty("shared.dir");
    if (dir == null) {
      throw new IllegalStateException("system property shared.dir is not set (surefire sets it)");
    }
    return Path.of(dir);
  }

  public static Path faces() {
    return sharedDir().resolve("faces");
  }

  public static ModelManifest manifest() {
    return ModelManifest.load(null); // the bundled copy of models/manifest.json
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

  /**
   * A fresh directory under {@code tmp} holding, under the manifest's file names, symbolic links to the
   * staged model files that exist (the SFace file, for one, does not).
   */
  public static Path modelsDir(Path tmp, ModelManifest manifest) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("models"));
      for (ModelSpec m : manifest.models().values()) {
        Path staged = sharedDir().resolve("models").resolve(STAGED.getOrDefault(m.file(), m.file()));
        Path link = dir.resolve(m.file());
        if (Files.isRegularFile(staged) && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, staged.toAbsolutePath());
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
