package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The models command answers with exit codes 0 ok, 1 failed, 2 usage error")
class ModelsCommandTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return ModelsCommand.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
        new PrintStream(errBytes, true, StandardCharsets.UTF_8), env::get);
  }

  private int run(String... args) {
    return run(Map.of(), args);
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("usage errors exit 2 and say what is wrong")
  void rejectsBadUsageWithExitTwo() {
    assertEquals(2, run());
    assertEquals(2, run("frobnicate"));
    assertTrue(err().contains("unknown command 'frobnicate'"), err());
    assertEquals(2, run("fetch"));
    assertTrue(err().contains("'fetch' needs --profile P"), err());
    assertEquals(2, run("fetch", "--profile", "nope"));
    assertTrue(err().contains("unknown profile 'nope'; known: faceplugin, faceplugin-frdetect, yunet-mobilefacenet, opencv-zoo"), err());
    assertEquals(2, run("fetch", "--profile", "faceplugin", "--source", "ftp"));
    assertEquals(2, run("fetch", "--profile", "faceplugin", "--source", "dir"));
    assertTrue(err().contains("--source dir needs --from DIR"), err());
    assertEquals(2, run("verify", "--profile", "faceplugin", "--from", "x"));
    assertEquals(2, run("verify", "--profile"));
    assertEquals(2, run("list", "extra"));
  }

  @Test
  @DisplayName("--help prints the usage and exits 0")
  void printsHelp() {
    assertEquals(0, run("--help"));
    assertTrue(out().contains("fetch  --profile P [--from DIR] [--source auto|dir|bundled|npm|url] [--models-dir DIR]"), out());
  }

  @Test
  @DisplayName("verify of an empty models dir exits 1 with one line naming the files and the fix")
  void verifyFailsWithOneLine() {
    Path dir = tmp.resolve("empty");
    assertEquals(1, run("verify", "--profile", "yunet-mobilefacenet", "--models-dir", dir.toString()));
    assertEquals(1, err().lines().count(), err());
    assertTrue(err().startsWith("models verify: model profile 'yunet-mobilefacenet' is not installed"), err());
    assertTrue(err().contains("models fetch --profile yunet-mobilefacenet --models-dir " + dir), err());
  }

  @Test
  @DisplayName("fetch --from a directory into MODELS_DIR, then verify and list report it installed")
  void fetchVerifyListThroughModelsDirEnv() throws java.io.IOException {
    Path dir = tmp.resolve("models");
    Map<String, String> env = Map.of("MODELS_DIR", dir.toString());
    dev.facerec.testing.TestData.modelsDir("faceplugin"); // models/ holds the profile, as `models fetch` installed it
    Path from = dev.facerec.testing.TestData.installedModels();

    assertEquals(0, run(env, "fetch", "--profile", "faceplugin", "--from", from.toString()), err());
    assertTrue(Files.isRegularFile(dir.resolve("fr_feature.onnx")));
    assertTrue(out().contains("model profile 'faceplugin' installed and verified in " + dir), out());

    assertEquals(0, run(env, "verify", "--profile", "faceplugin"), err());
    assertEquals(0, run(env, "list"), err());
    assertTrue(out().lines().anyMatch(l -> l.contains("fr_feature.onnx") && l.contains(" installed ")), out());
    assertTrue(out().lines().anyMatch(l -> l.contains("mobilefacenet_foamliu_128d.onnx") && l.contains("not installed")), out());
  }

  @Test
  @DisplayName("a fetch that cannot find a file exits 1 with one line saying why")
  void fetchFailureIsOneLine() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("from"));
    assertEquals(1, run("fetch", "--profile", "opencv-zoo", "--source", "dir", "--from", from.toString(),
        "--models-dir", tmp.resolve("m").toString()));
    assertEquals(1, err().lines().count(), err());
    assertTrue(err().contains("cannot install face_recognition_sface_2021dec.onnx"), err());
  }
}
