package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.backup.MigrateGalleryCommand;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The upgrade that gave the default profile an embedding centre, played for real: a gallery enrolled by the profile
 * without its centre (the manifest before the upgrade), then the upgraded manifest. The node refuses to start and names
 * the fix; {@code migrate-gallery --dry-run} changes nothing; {@code migrate-gallery} centres the stored embeddings; the
 * node then starts, and identify scores the migrated gallery exactly as verify scores the same two images afresh.
 */
class MigrateGalleryIT {
  private static final String PROFILE = "faceplugin";
  private static final String ADMIN_KEY = ApiKeys.generate();

  /** A models directory with the same files and the manifest as it was before the profile had a centre. */
  private static Path modelsWithoutCentre(Path centred) throws Exception {
    Path dir = Files.createTempDirectory("models-uncentred");
    try (var files = Files.list(centred)) {
      for (Path f : files.toList()) {
        Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toRealPath());
      }
    }
    JsonObject manifest;
    try (InputStream in = MigrateGalleryIT.class.getResourceAsStream("/models/manifest.json")) {
      manifest = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    JsonArray profiles = manifest.getJsonArray("profiles");
    for (int i = 0; i < profiles.size(); i++) {
      if (profiles.getJsonObject(i).getString("id").equals(PROFILE)) {
        assertTrue(profiles.getJsonObject(i).remove("embeddingCentre") != null, "the shipped profile has a centre");
      }
    }
    Files.writeString(dir.resolve("manifest.json"), manifest.encodePrettily());
    return dir;
  }

  private static JsonObject best(Http http, Path probe) throws Exception {
    Http.Res r = http.postFile("/api/v1/identify?largestOnly=true&limit=3", Files.readAllBytes(probe));
    assertEquals(200, r.status(), r.toString());
    return r.json().getJsonArray("faces").getJsonObject(0).getJsonArray("candidates").getJsonObject(0);
  }

  private static double verify(Http http, Path a, Path b) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("file1", Files.readAllBytes(a));
    files.put("file2", Files.readAllBytes(b));
    Http.Res r = http.postFiles("/api/v1/verify", files);
    assertEquals(200, r.status(), r.toString());
    return r.json().getDouble("similarity");
  }

  private record Run(int code, String out, String err) {}

  private static Run migrate(AppConfig config, boolean dryRun) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code = MigrateGalleryCommand.run(config, dryRun, new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("an uncentred gallery: refused at start with the fix named; migrate-gallery centres it; identify then equals verify")
  void upgradeWithMigration() throws Exception {
    Path centred = TestData.modelsDir(PROFILE);
    Path uncentred = modelsWithoutCentre(centred);
    String schema = TestNode.schema("migrateit");
    Path data = Files.createTempDirectory("migrateit");
    BiFunction<String, Path, AppConfig> config = (profile, models) -> {
      Map<String, String> env = TestNode.env(profile, models, data, schema, ADMIN_KEY);
      return ConfigLoader.load(env);
    };
    try {
      // Before the upgrade: enroll one face of each of three people; keep a second face of each as a probe.
      List<Path[]> people = new ArrayList<>(); // {enrolled, probe}
      double before;
      try (Service node = Service.start(config.apply(PROFILE, uncentred))) {
        Http http = new Http(node.port(), ADMIN_KEY);
        for (List<Path> images : TestData.people(2)) {
          if (people.size() == 3) {
            break;
          }
          String id = http.postJson("/api/v1/subjects", new JsonObject().put("name", TestData.personOf(images.get(0))).encode())
              .json().getString("id");
          if (http.postFile("/api/v1/subjects/" + id + "/faces", Files.readAllBytes(images.get(0))).status() != 201) {
            assertEquals(204, http.delete("/api/v1/subjects/" + id).status()); // the quality gate: not this test's point
            continue;
          }
          people.add(new Path[] {images.get(0), images.get(1)});
        }
        assertEquals(3, people.size());
        before = best(http, people.get(0)[1]).getDouble("similarity");
        assertEquals(before, verify(http, people.get(0)[0], people.get(0)[1]), 1e-5, "uncentred: identify = verify");
      }

      AppConfig upgraded = config.apply(PROFILE, centred);
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Service.start(upgraded));
      assertTrue(refused.getMessage().contains("migrate-gallery"), refused.getMessage());

      // Another recognizer's space cannot be reached from these embeddings: refused, nothing changed.
      Run other = migrate(config.apply("yunet-mobilefacenet", centred), false);
      assertEquals(1, other.code(), other.toString());
      assertTrue(other.err().contains("cannot be moved") && other.err().contains("Nothing was changed"), other.err());

      Run dry = migrate(upgraded, true);
      assertEquals(0, dry.code(), dry.toString());
      assertTrue(dry.out().contains("3 faces (to centre)") && dry.out().contains("--dry-run"), dry.out());
      assertThrows(IllegalStateException.class, () -> Service.start(upgraded), "a dry run changes nothing");

      Run real = migrate(upgraded, false);
      assertEquals(0, real.code(), real.toString());
      assertTrue(real.out().contains("3 faces centred"), real.out());
      Run again = migrate(upgraded, false);
      assertTrue(again.code() == 0 && again.out().contains("nothing to move"), "idempotent: " + again);

      try (Service node = Service.start(upgraded)) {
        Http http = new Http(node.port(), ADMIN_KEY);
        for (Path[] p : people) {
          JsonObject top = best(http, p[1]);
          double fresh = verify(http, p[0], p[1]);
          assertEquals(fresh, top.getDouble("similarity"), 1e-5,
              "the migrated embedding of " + p[0] + " scores like the centred pipeline's own: " + top);
        }
        double after = best(http, people.get(0)[1]).getDouble("similarity");
        assertTrue(Math.abs(after - before) > 1e-3, "centring changed the score: " + before + " -> " + after);
        // The collection, now bound to the centred space, takes new faces: a person not enrolled yet.
        int added = 0;
        for (List<Path> images : TestData.people(1)) {
          if (people.stream().anyMatch(p -> p[0].getParent().equals(images.get(0).getParent()))) {
            continue;
          }
          String id = http.postJson("/api/v1/subjects", "{\"name\":\"after-upgrade\"}").json().getString("id");
          Http.Res r = http.postFile("/api/v1/subjects/" + id + "/faces", Files.readAllBytes(images.get(0)));
          assertTrue(r.status() == 201 || r.status() == 422, "enrolled, or refused by the quality gate: " + r);
          if (r.status() == 201) {
            added++;
            break;
          }
        }
        assertEquals(1, added, "a new face enrolled after the migration");
      }
    } finally {
      TestNode.dropSchema(schema);
      TestData.deleteModelsDir(uncentred);
    }
  }
}
