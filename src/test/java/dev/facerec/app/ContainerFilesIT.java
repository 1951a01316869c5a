package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile as far as a machine without a Docker engine can check it: a linter (dockerfile-utils, the
 * Dockerfile language server's, installed from npm into target/) and the build's shape. Building and running
 * the image needs an engine: CI's release workflow does that.
 */
class ContainerFilesIT {
  private static final Path DOCKERFILE = Path.of("Dockerfile");
  private static final String LINTER = "dockerfile-utils@0.16.3";

  private record Result(int exit, String output) {}

  private static Result run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Result(p.exitValue(), out);
  }

  private static Path linter() throws Exception {
    Path prefix = Path.of("target", "tools").toAbsolutePath();
    Path bin = prefix.resolve("node_modules/dockerfile-utils/bin/dockerfile-utils");
    if (!Files.isRegularFile(bin)) {
      Result r = run(List.of("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix.toString(), LINTER));
      assertEquals(0, r.exit(), "npm install " + LINTER + ":\n" + r.output());
    }
    return bin;
  }

  private static Result lint(Path dockerfile) throws Exception {
    return run(List.of("node", linter().toString(), "lint", dockerfile.toAbsolutePath().toString()));
  }

  @Test
  @DisplayName("dockerfile-utils finds no error and no warning in the Dockerfile (and does find them in a broken one)")
  void dockerfileLintsClean() throws Exception {
    Result ours = lint(DOCKERFILE);
    assertEquals(0, ours.exit(), ours.output());
    assertEquals("", ours.output().strip(), "no warnings");
    Path broken = Files.createTempFile("broken", ".Dockerfile");
    Files.writeString(broken, "FROM eclipse-temurin:17-jre\nMAINTAINER someone\nEXPOSE 99999\nFROM\n");
    Result bad = lint(broken);
    assertNotEquals(0, bad.exit(), "the linter must catch a broken file: " + bad.output());
    assertTrue(bad.output().contains("MAINTAINER has been deprecated"), bad.output());
  }

  @Test
  @DisplayName("two stages on base images pinned by digest; dependencies cached before sources; non-root; readiness HEALTHCHECK; OCI labels; heap leaving native room")
  void dockerfileHasTheReleaseShape() throws IOException {
    String d = Files.readString(DOCKERFILE);
    List<String> froms = new ArrayList<>();
    Matcher from = Pattern.compile("(?m)^FROM (\\S+)(?: AS (\\w+))?").matcher(d);
    while (from.find()) {
      froms.add(from.group(2));
    }
    assertEquals(List.of("build", "runtime"), froms, "a Maven build stage, then the runtime stage");
    Matcher pins = Pattern.compile("(?m)^ARG \\w+_IMAGE=(\\S+)$").matcher(d);
    int pinned = 0;
    while (pins.find()) {
      assertTrue(pins.group(1).matches("[\\w./-]+:[\\w.-]+@sha256:[0-9a-f]{64}"), "pinned by digest: " + pins.group(1));
      pinned++;
    }
    assertEquals(2, pinned);
    assertTrue(d.contains("imagetools inspect"), "the comment says how to update a digest");
    assertTrue(d.indexOf("dependency:go-offline") < d.indexOf("COPY src"), "the dependency layer comes before the sources");
    assertTrue(d.contains("package -DskipTests") && d.contains("COPY --from=build /build/target/facerec-service.jar"),
        "the runtime gets the jar built by the build stage, not one from the host");
    assertTrue(d.matches("(?s).*\\nUSER 10001:10001\\n.*"), "runs as a non-root user");
    assertTrue(d.contains("HEALTHCHECK") && d.contains("dev.facerec.app.HealthCheck"), "readiness health check");
    for (String label : List.of("version", "revision", "source")) {
      assertTrue(d.contains("org.opencontainers.image." + label + "="), label);
    }
    Matcher ram = Pattern.compile("MaxRAMPercentage=(\\d+)").matcher(d);
    assertTrue(ram.find() && Integer.parseInt(ram.group(1)) <= 60, "heap leaves room for ONNX Runtime's native memory");
    String ignore = Files.readString(Path.of(".dockerignore"));
    for (String kept : List.of(".git", "target/", "models/*.onnx", "secrets/", ".env", "data/")) {
      assertTrue(ignore.lines().anyMatch(kept::equals), ".dockerignore keeps " + kept + " out of the build context");
    }
  }
}
