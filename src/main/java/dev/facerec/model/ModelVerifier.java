package dev.facerec.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks installed model files against the manifest's sha256. Every failure names the file, says what
 * is wrong (missing, or expected vs actual checksum) and gives the command that fixes it.
 */
public final class ModelVerifier {
  /** How the fix is spelled in messages; the fat jar's {@code models} command runs {@link ModelsCommand}. */
  public static final String FETCH_COMMAND = "java -jar target/facerec-service.jar models fetch --profile ";
  /** Hex digits of a checksum shown in messages: enough to tell files apart, short enough to read. */
  static final int SHORT_HEX = 12;

  private ModelVerifier() {}

  /** The lowercase hex sha256 of a file's bytes. */
  public static String sha256(Path file) {
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * Checks one model file.
   *
   * @throws ModelException when it is missing, not a regular file, or its sha256 differs from the manifest's
   */
  public static void verifyFile(ModelSpec spec, Path file) {
    String problem = problem(spec, file);
    if (problem != null) {
      throw new ModelException(problem);
    }
  }

  /**
   * Checks every file of a profile in {@code modelsDir}.
   *
   * @throws ModelException with one line naming each missing or wrong file and the fetch command that fixes them
   */
  public static void verifyProfile(ModelManifest manifest, String profileId, Path modelsDir) {
    List<String> problems = new ArrayList<>();
    for (ModelSpec spec : manifest.modelsOf(profileId)) {
      String p = problem(spec, modelsDir.resolve(spec.file()));
      if (p != null) {
        problems.add(p);
      }
    }
    if (!problems.isEmpty()) {
      String head = problems.size() == 1
          ? "model profile '" + profileId + "' is not installed: "
          : "model profile '" + profileId + "' is not installed (" + problems.size() + " problems): ";
      throw new ModelException(head + String.join("; ", problems) + ". Fix: " + fetchCommand(profileId, modelsDir));
    }
  }

  /** The exact command that installs a profile into {@code modelsDir}. */
  public static String fetchCommand(String profileId, Path modelsDir) {
    // The default models dir needs no option; any other one must be named or the fix lands elsewhere.
    boolean isDefault = modelsDir.normalize().equals(Path.of(ModelsCommand.DEFAULT_MODELS_DIR));
    return FETCH_COMMAND + profileId + (isDefault ? "" : " --models-dir " + modelsDir);
  }

  /** Null when the file is fine, else a one-line description of what is wrong with it. */
  static String problem(ModelSpec spec, Path file) {
    String what = spec.file() + " (model " + spec.id() + ")";
    if (!Files.exists(file)) {
      return what + " is missing from " + file.getParent();
    }
    if (!Files.isRegularFile(file)) {
      return what + " at " + file + " is not a regular file";
    }
    String actual = sha256(file);
    if (!actual.equalsIgnoreCase(spec.sha256())) {
      return what + " has the wrong checksum: expected sha256 " + shortHex(spec.sha256()) + "..., actual "
          + shortHex(actual) + "... (" + size(file) + " bytes, expected " + spec.size() + ")";
    }
    return null;
  }

  static String shortHex(String hex) {
    return hex.length() <= SHORT_HEX ? hex : hex.substring(0, SHORT_HEX);
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
