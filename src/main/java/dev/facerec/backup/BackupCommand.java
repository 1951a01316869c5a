package dev.facerec.backup;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.store.Database;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code backup --to DIR}: the database of the configured deployment in one REPEATABLE READ, READ ONLY transaction
 * (every table, keys as their stored hashes), the index snapshots under DATA_DIR/index with the change-log position
 * they reflect, and a manifest with the sha256 of every file. Works while the service runs on an external database;
 * the embedded one must be stopped (one server per data directory).
 */
public final class BackupCommand {
  static final String USAGE = """
      Usage:
        backup --to DIR     writes a backup of the configured deployment into DIR (created; must not exist or be empty):
                            db/*.copy.gz (every table), index/ (snapshots and state.json, when DATA_DIR/index has them),
                            manifest.json and SHA256SUMS
      """;

  private BackupCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.print(USAGE);
      return 0;
    }
    return ConfigLoader.runWithConfig(err, config -> run(config, args, out, err));
  }

  public static int run(AppConfig config, String[] args, PrintStream out, PrintStream err) {
    if (args.length != 2 || !args[0].equals("--to")) {
      err.println("backup needs --to DIR");
      err.print(USAGE);
      return 2;
    }
    Path to = Path.of(args[1]).toAbsolutePath().normalize();
    try {
      if (Files.exists(to) && (!Files.isDirectory(to) || !isEmpty(to))) {
        err.println("backup: " + to + " exists and is not an empty directory; choose a new one");
        return 2;
      }
      long t0 = System.nanoTime();
      // Written beside the target and moved at the end: a directory named DIR is always a complete backup.
      Path work = Files.createDirectories(to.getParent()).resolve("." + to.getFileName() + ".partial-" + ProcessHandle.current().pid());
      deleteTree(work);
      Files.createDirectories(work);
      try {
        // The index first: its position is then at most the database's, so a restore replays the log from it.
        Long indexSeq = copyIndex(Deployment.indexDir(config), work.resolve("index"), err);
        BackupManifest manifest = exportDatabase(config, work, indexSeq);
        manifest.write(work);
        if (Files.exists(to)) {
          Files.delete(to);
        }
        Files.move(work, to, StandardCopyOption.ATOMIC_MOVE);
        long bytes = size(to);
        out.printf("backup: %s%n", to);
        manifest.tables().forEach(t -> out.printf("  %-22s %8d rows%n", t.name(), t.rows()));
        out.printf("  change log at %d; index snapshots %s; models %s%n", manifest.changeSeq(),
            manifest.indexSeq() == null ? "none (a restore rebuilds the index)" : "at " + manifest.indexSeq(),
            manifest.galleryModels().isEmpty() ? "none yet" : String.join(", ", manifest.galleryModels()));
        out.printf("  %d files, %.1f MB, %d ms%n", manifest.files().size(), bytes / 1e6, (System.nanoTime() - t0) / 1_000_000);
        return 0;
      } finally {
        deleteTree(work);
      }
    } catch (IOException | SQLException | RuntimeException e) {
      err.println("backup failed: " + e.getMessage());
      return 1;
    }
  }

  private static BackupManifest exportDatabase(AppConfig config, Path work, Long indexSeq) throws SQLException, IOException {
    String embeddingModel = Deployment.embeddingModel(config);
    try (Database db = Deployment.open(config); Connection c = db.openJdbc()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        // One snapshot for every table: the change-log position read first matches every row read after it.
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      }
      long seq = single(c, "SELECT seq FROM change_seq");
      List<String> models = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT DISTINCT model_id FROM faces ORDER BY 1")) {
        while (r.next()) {
          models.add(r.getString(1));
        }
      }
      String schemaVersion = Deployment.schemaVersion(c);
      List<BackupManifest.Table> tables = new ArrayList<>();
      for (Map.Entry<String, List<String>> t : TableCopy.tables(c).entrySet()) {
        String file = "db/" + t.getKey() + ".copy.gz";
        long rows = TableCopy.dump(c, t.getKey(), t.getValue(), work.resolve(file));
        tables.add(new BackupManifest.Table(t.getKey(), file, t.getValue(), rows));
      }
      c.commit();
      if (indexSeq != null && indexSeq > seq) {
        indexSeq = null; // cannot happen with the index copied first; never ship snapshots ahead of the rows
        deleteTree(work.resolve("index"));
      }
      Map<String, String> sums = new TreeMap<>();
      try (Stream<Path> files = Files.walk(work)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          sums.put(work.relativize(f).toString().replace('\\', '/'), BackupManifest.sha256(f));
        }
      }
      return new BackupManifest(BackupManifest.FORMAT_VERSION, BackupManifest.runningVersion(), Instant.now().toString(),
          schemaVersion, seq, config.models().profile(), embeddingModel, models, tables, indexSeq, sums);
    }
  }

  /**
   * Copies the snapshot files and state.json; returns the position they reflect, or null when there are none. The
   * service may save while we copy (external database): the state is read before and after, and the copy retried.
   */
  static Long copyIndex(Path from, Path to, PrintStream err) throws IOException {
    Path state = from.resolve("state.json");
    for (int attempt = 0; attempt < 5; attempt++) {
      if (!Files.isRegularFile(state)) {
        return null;
      }
      byte[] before = Files.readAllBytes(state);
      deleteTree(to);
      Files.createDirectories(to);
      try (Stream<Path> files = Files.list(from)) {
        for (Path f : files.filter(p -> p.getFileName().toString().endsWith(dev.facerec.index.IndexSnapshots.SUFFIX)).toList()) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
      if (Arrays.equals(before, Files.readAllBytes(state))) {
        Files.write(to.resolve("state.json"), before);
        return new io.vertx.core.json.JsonObject(new String(before, java.nio.charset.StandardCharsets.UTF_8)).getLong("appliedSeq");
      }
    }
    err.println("backup: the index snapshots kept changing while copied; left out (a restore rebuilds the index)");
    deleteTree(to);
    return null;
  }

  private static long single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
