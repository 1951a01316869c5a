package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real npm path: needs npm on PATH and its registry reachable (true here and in CI). */
@DisplayName("The faceplugin-frdetect profile (every file from one npm package) installs through npm with verified checksums")
class ModelInstallerNpmIT {
  @TempDir Path modelsDir;

  @Test
  @DisplayName("npm pack runs once for the package and the three files it holds verify")
  void installsFacepluginProfileThroughNpm() {
    // Fail, not skip: a machine without npm cannot prove the npm install path works.
    if (!onPath("npm")) {
      fail("npm is not on PATH (" + System.getenv("PATH") + "): install Node.js with npm to run this test");
    }
    ModelManifest manifest = ModelManifest.load(Path.of("models"));
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    List<Path> installed = new ModelInstaller(log).source(ModelInstaller.Source.NPM)
        .install(manifest, "faceplugin-frdetect", modelsDir); // all three files of this profile come from the npm package

    String logText = logBytes.toString(StandardCharsets.UTF_8);
    assertEquals(3, installed.size(), logText);
    assertEquals(1, logText.lines().filter(l -> l.startsWith("npm pack ")).count(), "one npm pack per package: " + logText);
    assertEquals("6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854",
        ModelVerifier.sha256(modelsDir.resolve("fr_detect.onnx")));
    assertEquals("f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258",
        ModelVerifier.sha256(modelsDir.resolve("fr_landmark.onnx")));
    assertEquals("87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
        ModelVerifier.sha256(modelsDir.resolve("fr_feature.onnx")));
    assertDoesNotThrow(() -> ModelVerifier.verifyProfile(manifest, "faceplugin-frdetect", modelsDir));
  }

  private static boolean onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }
}
