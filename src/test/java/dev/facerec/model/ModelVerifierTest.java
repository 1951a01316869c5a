package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("ModelVerifier names each missing or wrong model file and the command that fixes it")
class ModelVerifierTest {
  private static final ModelManifest MANIFEST = ModelManifest.load(Path.of("models"));

  @TempDir Path modelsDir;

  @Test
  @DisplayName("sha256 is the standard digest in lowercase hex")
  void sha256OfKnownBytes() throws Exception {
    Path f = modelsDir.resolve("abc.txt");
    Files.writeString(f, "abc", StandardCharsets.US_ASCII);
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ModelVerifier.sha256(f));
  }

  @Test
  @DisplayName("a missing file is named, with the fetch command for its profile and directory")
  void reportsMissingFileWithFetchCommand() {
    ModelException e = assertThrows(ModelException.class,
        () -> ModelVerifier.verifyProfile(MANIFEST, "yunet-mobilefacenet", modelsDir));
    String m = e.getMessage();
    assertTrue(m.contains("face_detection_yunet_2023mar.onnx (model yunet-2023mar) is missing"), m);
    assertTrue(m.contains("mobilefacenet_foamliu_128d.onnx (model mobilefacenet-128) is missing"), m);
    assertTrue(m.contains("fr_landmark.onnx (model faceplugin-landmark68) is missing"), m); // the profile refines landmarks
    assertTrue(m.contains("3 problems"), m);
    assertTrue(m.endsWith("Fix: java -jar target/facerec-service.jar models fetch --profile yunet-mobilefacenet --models-dir "
        + modelsDir), m);
    assertFalse(m.contains("\n"), "one line: " + m);
  }

  @Test
  @DisplayName("a file with the wrong bytes is reported with expected and actual checksum")
  void reportsWrongChecksumWithExpectedAndActual() throws Exception {
    ModelSpec yunet = MANIFEST.model("yunet-2023mar");
    Path f = modelsDir.resolve(yunet.file());
    Files.writeString(f, "not a model", StandardCharsets.US_ASCII);
    String actual = ModelVerifier.sha256(f);

    ModelException e = assertThrows(ModelException.class, () -> ModelVerifier.verifyFile(yunet, f));
    String m = e.getMessage();
    assertTrue(m.startsWith("face_detection_yunet_2023mar.onnx (model yunet-2023mar) has the wrong checksum"), m);
    assertTrue(m.contains("expected sha256 8f2383e4dd3c..."), m);
    assertTrue(m.contains("actual " + actual.substring(0, 12) + "..."), m);
    assertTrue(m.contains("(11 bytes, expected 232589)"), m);
  }

  @Test
  @DisplayName("a correct copy verifies; the fix command for the default directory needs no --models-dir")
  void acceptsCorrectFileAndKnowsDefaultDirCommand() throws Exception {
    ModelSpec detect = MANIFEST.model("yunet-2023mar"); // the faceplugin profile's detector
    Path installed = dev.facerec.testing.TestData.modelsDir("faceplugin").resolve(detect.file());
    assertDoesNotThrow(() -> ModelVerifier.verifyFile(detect, installed));
    assertEquals("java -jar target/facerec-service.jar models fetch --profile faceplugin",
        ModelVerifier.fetchCommand("faceplugin", Path.of("models")));
  }
}
