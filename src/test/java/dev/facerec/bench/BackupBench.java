package dev.facerec.bench;

import dev.facerec.backup.BackupCommand;
import dev.facerec.backup.RestoreCommand;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import dev.facerec.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

/**
 * Backup and restore time for a gallery of N faces (random 512-float embeddings written straight into the tables) on
 * the machine's PostgreSQL. Not a unit test (surefire skips the bench package). Run:
 *
 * <pre>
 * mvn -B -o -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.facerec.bench.BackupBench -Dexec.args=20000
 * </pre>
 */
public final class BackupBench {
  public static void main(String[] args) throws Exception {
    int faces = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    String from = TestNode.schema("backupbench");
    String to = TestNode.schema("backupbench");
    try {
      AppConfig source = config(from, Files.createTempDirectory("backupbench-a"));
      try (Database db = Database.start(new DatabaseSettings(source.database().url(), source.dataDir(), 2, 5000));
          Connection c = db.openJdbc(); Statement s = c.createStatement()) {
        long t0 = System.nanoTime();
        s.execute("INSERT INTO collections (name, model_id, dimension, shards) VALUES ('bench', 'faceplugin-feature-512', 512, 1)");
        s.execute("INSERT INTO subjects (id, collection, name) SELECT gen_random_uuid(), 'bench', 'p' || g FROM generate_series(1, " + faces + ") g");
        s.execute("INSERT INTO faces (id, subject_id, collection, model_id, dimension, embedding, box_x, box_y, box_width, box_height, score) "
            + "SELECT gen_random_uuid(), s.id, 'bench', 'faceplugin-feature-512', 512, "
            + "(SELECT decode(string_agg(md5(random()::text || s.id::text || g), ''), 'hex') FROM generate_series(1, 128) g), "
            + "0, 0, 100, 100, 0.9 FROM subjects s");
        System.out.printf("%d faces written in %d ms%n", faces, (System.nanoTime() - t0) / 1_000_000);
      }
      Path backup = Files.createTempDirectory("backupbench").resolve("b");
      long t0 = System.nanoTime();
      int code = BackupCommand.run(source, new String[] {"--to", backup.toString()}, System.out, System.err);
      System.out.printf("backup: exit %d, %d ms%n", code, (System.nanoTime() - t0) / 1_000_000);
      t0 = System.nanoTime();
      code = RestoreCommand.run(config(to, Files.createTempDirectory("backupbench-b")), new String[] {"--from", backup.toString()},
          System.out, System.err);
      System.out.printf("restore: exit %d, %d ms%n", code, (System.nanoTime() - t0) / 1_000_000);
    } finally {
      TestNode.dropSchema(from);
      TestNode.dropSchema(to);
    }
    System.exit(0);
  }

  private static AppConfig config(String schema, Path data) throws Exception {
    Map<String, String> env = TestNode.env("faceplugin", Files.createTempDirectory("no-models"), data, schema, "unused");
    env.remove("ADMIN_API_KEY");
    return ConfigLoader.load(env);
  }
}
