package dev.facerec.backup;

import dev.facerec.bus.Vectors;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ProfileSpec;
import dev.facerec.store.Database;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code migrate-gallery}: moves the stored embeddings of the configured deployment into its profile's embedding space,
 * in one transaction (all or nothing), with every node stopped. Today the one move is centring (see
 * {@link GalleryMigration}). Index snapshots need no step: they name the model they were built for, so at the next start
 * each node finds them stale and rebuilds its shards from the database.
 */
public final class MigrateGalleryCommand {
  static final String USAGE = """
      Usage:
        migrate-gallery [--dry-run]
                            moves the embeddings stored in the configured database into the configured profile's
                            embedding space (MODEL_PROFILE, MODELS_DIR): today, centres the embeddings a profile made
                            before it had an embeddingCentre. Stop every node first. --dry-run only counts.
      """;
  private static final int BATCH = 500;

  private MigrateGalleryCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.print(USAGE);
      return 0;
    }
    if (args.length > 1 || (args.length == 1 && !args[0].equals("--dry-run"))) {
      err.print(USAGE);
      return 2;
    }
    return ConfigLoader.runWithConfig(err, config -> run(config, args.length == 1, out, err));
  }

  public static int run(AppConfig config, boolean dryRun, PrintStream out, PrintStream err) {
    ProfileSpec profile = ModelManifest.load(config.models().dir()).profile(config.models().profile());
    long t0 = System.nanoTime();
    try (Database db = Deployment.open(config); Connection c = db.openJdbc()) {
      c.setAutoCommit(false);
      Map<String, Long> stored = new LinkedHashMap<>();
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT model_id, count(*) FROM faces GROUP BY model_id ORDER BY 1")) {
        while (r.next()) {
          stored.put(r.getString(1), r.getLong(2));
        }
      }
      List<String> toCentre = new ArrayList<>();
      for (String model : stored.keySet()) {
        switch (GalleryMigration.action(model, profile)) {
          case NOTHING -> { }
          case CENTRE -> toCentre.add(model);
          case REFUSE -> {
            err.println("migrate-gallery refused: " + stored.get(model) + " " + GalleryMigration.refusal(model, profile)
                + ". Nothing was changed.");
            c.rollback();
            return 1;
          }
        }
      }
      out.printf("migrate-gallery: profile %s, embedding space %s%n", profile.id(), profile.embeddingModel());
      stored.forEach((m, n) -> out.printf("  %-50s %8d faces%s%n", m, n, toCentre.contains(m) ? " (to centre)" : ""));
      if (toCentre.isEmpty() || dryRun) {
        out.println(toCentre.isEmpty() ? "  nothing to move" : "  --dry-run: nothing changed");
        c.rollback();
        return 0;
      }
      long moved = 0;
      for (String model : toCentre) {
        moved += centre(c, model, profile);
      }
      try (PreparedStatement u = c.prepareStatement("UPDATE collections SET model_id = ? WHERE model_id = ?")) {
        for (String model : toCentre) {
          u.setString(1, profile.embeddingModel());
          u.setString(2, model);
          u.executeUpdate();
        }
      }
      c.commit();
      out.printf("  %d faces centred in %d ms; each node rebuilds its index from the database at its next start%n", moved,
          (System.nanoTime() - t0) / 1_000_000);
      return 0;
    } catch (SQLException | RuntimeException e) {
      err.println("migrate-gallery failed, nothing was changed: " + e.getMessage());
      return 1;
    }
  }

  /** Rewrites every face of {@code model}, locked for the transaction; returns how many. */
  private static long centre(Connection c, String model, ProfileSpec profile) throws SQLException {
    long n = 0;
    String target = profile.embeddingModel();
    try (PreparedStatement q = c.prepareStatement("SELECT id, embedding FROM faces WHERE model_id = ? FOR UPDATE");
        PreparedStatement u = c.prepareStatement("UPDATE faces SET embedding = ?, model_id = ? WHERE id = ?")) {
      q.setString(1, model);
      q.setFetchSize(BATCH);
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          float[] v = GalleryMigration.centre(Vectors.fromBytes(r.getBytes(2)), profile);
          u.setBytes(1, Vectors.toBytes(v));
          u.setString(2, target);
          u.setObject(3, r.getObject(1));
          u.addBatch();
          if (++n % BATCH == 0) {
            u.executeBatch();
          }
        }
      }
      u.executeBatch();
    }
    return n;
  }
}
