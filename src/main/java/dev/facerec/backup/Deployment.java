package dev.facerec.backup;

import dev.facerec.config.AppConfig;
import dev.facerec.model.ModelManifest;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What backup and restore read of the deployment they run against: its database, its recognizer, its index directory. */
final class Deployment {
  private Deployment() {}

  /**
   * Opens (and migrates) the configured database. The embedded one is refused while a server holds it: the
   * service is running (or was killed and left its server), and a second server on the same files is impossible.
   */
  static Database open(AppConfig config) {
    DatabaseSettings settings = new DatabaseSettings(config.database().url(), config.dataDir(), 2,
        config.database().connectTimeoutMs());
    if (settings.embedded()) {
      Database.runningEmbedded(config.dataDir()).ifPresent(live -> {
        throw new IllegalStateException("the embedded database in " + config.dataDir().toAbsolutePath().resolve("postgres")
            + " is in use by a running PostgreSQL (pid " + live.pid() + ", port " + live.port() + "): stop the service first."
            + " If the service is not running, a server left by a killed service holds the files: start and stop the service"
            + " once, then try again");
      });
    }
    return Database.start(settings);
  }

  /**
   * The embedding space of the configured profile (its recognizer, and its centre when it has one): the model id every
   * embedding in the gallery must carry.
   */
  static String embeddingModel(AppConfig config) {
    ModelManifest manifest = ModelManifest.load(config.models().dir());
    return manifest.profile(config.models().profile()).embeddingModel();
  }

  static Path indexDir(AppConfig config) {
    return config.dataDir().resolve("index");
  }

  /** The schema's migration version (Flyway's history), or "0" when none ran. */
  static String schemaVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT version FROM " + TableCopy.FLYWAY_HISTORY
        + " WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
      return r.next() ? r.getString(1) : "0";
    }
  }
}
