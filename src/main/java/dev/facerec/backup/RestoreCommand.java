package dev.facerec.backup;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.store.Database;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;

/**
 * {@code restore --from DIR [--force]}: checks every file of the backup against the manifest, refuses a backup made
 * with another recognizer than the configured profile's and a target that already holds data (unless {@code --force}),
 * then loads every table in one transaction and puts the index snapshots back under DATA_DIR/index. The service must
 * be stopped; it loads the snapshots at start and replays the change log from their position (or rebuilds).
 */
public final class RestoreCommand {
  static final String USAGE = """
      Usage:
        restore --from DIR [--force]
                            restores a backup made by `backup` into the configured database and DATA_DIR; stop the
                            service first. --force empties a database (and index directory) that already holds data.
                            A backup made with another model is refused: embeddings of different recognizers never
                            mix, and re-embedding is impossible (the service keeps no images; see docs/operations.md)
      """;

  private RestoreCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.print(USAGE);
      return 0;
    }
    return ConfigLoader.runWithConfig(err, config -> run(config, args, out, err));
  }

  public static int run(AppConfig config, String[] args, PrintStream out, PrintStream err) {
    Path from = null;
    boolean force = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--from" -> {
          if (i + 1 == args.length) {
            return usage(err, "--from needs a directory");
          }
          from = Path.of(args[++i]).toAbsolutePath().normalize();
        }
        case "--force" -> force = true;
        case "--re-embed", "--allow-model-mismatch" -> {
          err.println("restore: " + args[i] + " is not supported. Re-embedding needs the original images, and the service"
              + " keeps only each image's sha256, never the image. Restore the backup with the profile it was made with"
              + " (see its manifest.json, models.profile), or enroll the people again from your own images under the new"
              + " profile.");
          return 2;
        }
        default -> {
          return usage(err, "unexpected argument '" + args[i] + "'");
        }
      }
    }
    if (from == null) {
      return usage(err, "restore needs --from DIR");
    }
    try {
      long t0 = System.nanoTime();
      BackupManifest manifest = BackupManifest.read(from);
      if (manifest.formatVersion() > BackupManifest.FORMAT_VERSION) {
        err.println("restore refused: the backup's format " + manifest.formatVersion() + " is newer than this version reads ("
            + BackupManifest.FORMAT_VERSION + "); restore with product version " + manifest.productVersion() + " or later");
        return 1;
      }
      List<String> problems = manifest.verify(from);
      if (!problems.isEmpty()) {
        err.println("restore refused: " + problems.size() + " file(s) of the backup fail their checksum; nothing was changed:");
        problems.forEach(p -> err.println("  " + p));
        return 1;
      }
      String embeddingModel = Deployment.embeddingModel(config);
      List<String> others = manifest.galleryModels().stream().filter(m -> !m.equals(embeddingModel)).toList();
      if (!others.isEmpty()) {
        err.println("restore refused: the backup holds embeddings of model " + String.join(", ", others) + " (profile "
            + manifest.profile() + "), but the configured profile " + config.models().profile() + " uses " + embeddingModel
            + ". Embeddings of different recognizers (or centres) cannot be compared: set MODEL_PROFILE=" + manifest.profile()
            + " to restore it. Nothing was changed.");
        return 1;
      }
      Path indexDir = Deployment.indexDir(config);
      if (!force && holdsFiles(indexDir)) {
        err.println("restore refused: " + indexDir + " already holds index files; use a fresh DATA_DIR, or --force to replace them");
        return 1;
      }
      Map<String, Long> restored = loadDatabase(config, manifest, from, force, err);
      if (restored == null) {
        return 1;
      }
      String index = restoreIndex(manifest, from, indexDir);
      out.printf("restore: %s (made %s by %s)%n", from, manifest.createdAt(), manifest.productVersion());
      restored.forEach((t, n) -> out.printf("  %-22s %8d rows%n", t, n));
      out.printf("  change log at %d; %s; %d ms%n", manifest.changeSeq(), index, (System.nanoTime() - t0) / 1_000_000);
      return 0;
    } catch (IOException | SQLException | RuntimeException e) {
      err.println("restore failed: " + e.getMessage());
      return 1;
    }
  }

  /** Every table in one transaction: a failure leaves the database as it was. Null when refused (reason on err). */
  private static Map<String, Long> loadDatabase(AppConfig config, BackupManifest manifest, Path from, boolean force, PrintStream err)
      throws SQLException, IOException {
    try (Database db = Deployment.open(config); Connection c = db.openJdbc()) {
      c.setAutoCommit(false);
      String current = Deployment.schemaVersion(c);
      if (MigrationVersion.fromVersion(manifest.schemaVersion()).compareTo(MigrationVersion.fromVersion(current)) > 0) {
        err.println("restore refused: the backup's schema version " + manifest.schemaVersion() + " is newer than this version's ("
            + current + "); restore with product version " + manifest.productVersion() + " or later");
        return null;
      }
      Map<String, List<String>> tables = TableCopy.tables(c);
      List<String> holding = new ArrayList<>();
      for (String t : tables.keySet()) {
        long n = TableCopy.rows(c, t);
        if (n > 0 && !t.equals("change_seq")) {
          holding.add(t + " (" + n + " rows)");
        }
      }
      if (!holding.isEmpty() && !force) {
        err.println("restore refused: " + db.describe() + " already holds data: " + String.join(", ", holding)
            + ". Restore into an empty database, or add --force to replace everything in it.");
        return null;
      }
      try (Statement s = c.createStatement()) {
        s.execute("TRUNCATE " + String.join(", ", tables.keySet().stream().map(TableCopy::quote).toList()));
      }
      Map<String, Long> restored = new java.util.LinkedHashMap<>();
      for (BackupManifest.Table t : manifest.tables()) {
        if (!tables.containsKey(t.name())) {
          throw new IllegalStateException("the backup's table " + t.name() + " does not exist in schema version " + current);
        }
        long n = TableCopy.load(c, t.name(), t.columns(), from.resolve(t.file()));
        if (n != t.rows()) {
          throw new IllegalStateException(t.name() + ": " + n + " rows loaded, the manifest says " + t.rows());
        }
        restored.put(t.name(), n);
      }
      TableCopy.resetSequences(c);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_log (actor, action, target, details) VALUES ('cli', 'backup.restore', ?, ?::jsonb)")) {
        s.setString(1, from.toString());
        s.setString(2, new io.vertx.core.json.JsonObject().put("createdAt", manifest.createdAt()).put("changeSeq", manifest.changeSeq())
            .put("productVersion", manifest.productVersion()).encode());
        s.executeUpdate();
      }
      c.commit();
      return restored;
    }
  }

  /** Puts the snapshots back when they are not ahead of the restored rows; says what the next start will do. */
  private static String restoreIndex(BackupManifest manifest, Path from, Path indexDir) throws IOException {
    BackupCommand.deleteTree(indexDir);
    if (manifest.indexSeq() == null || manifest.indexSeq() > manifest.changeSeq()) {
      return "no index snapshots: the service rebuilds the index from the database at start";
    }
    Files.createDirectories(indexDir);
    try (Stream<Path> files = Files.list(from.resolve("index"))) {
      for (Path f : files.toList()) {
        Files.copy(f, indexDir.resolve(f.getFileName()));
      }
    }
    return "index snapshots at " + manifest.indexSeq() + " restored: the service loads them and replays the change log to "
        + manifest.changeSeq();
  }

  private static boolean holdsFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }

  private static int usage(PrintStream err, String why) {
    err.println(why);
    err.print(USAGE);
    return 2;
  }
}
