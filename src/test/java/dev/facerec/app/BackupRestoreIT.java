package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.backup.BackupCommand;
import dev.facerec.backup.RestoreCommand;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The restore drill: enroll real faces, record identify's answers, stop the node, back up, drop the schema and the
 * data directory, restore into a fresh schema and data directory, start again: the same answers. And the refusals:
 * a corrupted file, another model, a target that holds data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupRestoreIT {
  private static final String PROFILE = "faceplugin";
  private static final String ADMIN_KEY = ApiKeys.generate();
  private static final int SUBJECTS = 6;

  private final List<String> schemas = new ArrayList<>();
  private Path models;
  private Path backup;
  /** probe image → identify's answer for it before the backup */
  private final Map<Path, JsonObject> answers = new LinkedHashMap<>();
  private String extraKeyId;

  private Map<String, String> env(String schema, Path data) {
    Map<String, String> env = TestNode.env(PROFILE, models, data, schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    return env;
  }

  private String newSchema() {
    String s = TestNode.schema("backupit");
    schemas.add(s);
    return s;
  }

  @BeforeAll
  void enrollIdentifyAndBackUp() throws Exception {
    models = TestData.modelsDir(PROFILE);
    String schema = newSchema();
    Path data = Files.createTempDirectory("backupit-a");
    AppConfig config = ConfigLoader.load(env(schema, data));
    try (Service node = Service.start(config)) {
      Http http = new Http(node.port(), ADMIN_KEY);
      for (List<Path> images : TestData.people(2)) {
        if (answers.size() == SUBJECTS) {
          break;
        }
        String id = http.postJson("/api/v1/subjects", new JsonObject().put("name", images.get(0).getParent().getFileName().toString())
            .put("metadata", new JsonObject().put("drill", true)).encode()).json().getString("id");
        if (http.postFile("/api/v1/subjects/" + id + "/faces", Files.readAllBytes(images.get(0))).status() != 201) {
          assertEquals(204, http.delete("/api/v1/subjects/" + id).status()); // several faces, the quality gate: not this test's point
          continue;
        }
        answers.put(images.get(1), null);
      }
      assertEquals(SUBJECTS, answers.size());
      assertEquals(200, http.send("PUT", "/api/v1/collections/default/settings", "{\"threshold\":0.41}").status());
      extraKeyId = http.postJson("/api/v1/admin/keys", "{\"roles\":[\"recognize\"],\"name\":\"drill\"}").json().getString("id");
      assertNotNull(extraKeyId);
      for (Path probe : answers.keySet()) {
        answers.put(probe, identify(http, probe));
      }
    } // stopped: the index snapshots are saved
    backup = Files.createTempDirectory("backupit-backups").resolve("b1");
    long t0 = System.nanoTime();
    Result r = cli(() -> BackupCommand.run(config, new String[] {"--to", backup.toString()}, out, err));
    System.out.printf("[backup] %d subjects: %d ms%n%s", SUBJECTS, (System.nanoTime() - t0) / 1_000_000, r.out);
    assertEquals(0, r.code, r.toString());
    assertTrue(Files.isRegularFile(backup.resolve("manifest.json")));
    assertTrue(Files.isRegularFile(backup.resolve("index/state.json")), "the index snapshots are in the backup");
    // Drop everything the node had.
    TestNode.dropSchema(schema);
    deleteTree(data);
  }

  @AfterAll
  void dropSchemas() {
    schemas.forEach(TestNode::dropSchema);
  }

  @Test
  @DisplayName("a restore into a fresh schema and data directory answers every identify as before, keys and settings included")
  void restoredNodeGivesTheSameAnswers() throws Exception {
    String schema = newSchema();
    Path data = Files.createTempDirectory("backupit-b");
    AppConfig config = ConfigLoader.load(env(schema, data));
    long t0 = System.nanoTime();
    Result r = cli(() -> RestoreCommand.run(config, new String[] {"--from", backup.toString()}, out, err));
    System.out.printf("[restore] %d subjects: %d ms%n%s", SUBJECTS, (System.nanoTime() - t0) / 1_000_000, r.out);
    assertEquals(0, r.code, r.toString());
    try (Service node = Service.start(config)) {
      Http http = new Http(node.port(), ADMIN_KEY);
      for (Map.Entry<Path, JsonObject> e : answers.entrySet()) {
        JsonObject before = e.getValue();
        JsonObject after = identify(http, e.getKey());
        assertEquals(before.getString("decision"), after.getString("decision"), e.getKey().toString());
        JsonArray b = before.getJsonArray("candidates");
        JsonArray a = after.getJsonArray("candidates");
        assertEquals(b.size(), a.size());
        for (int i = 0; i < b.size(); i++) {
          assertEquals(b.getJsonObject(i).getString("subjectId"), a.getJsonObject(i).getString("subjectId"));
          assertEquals(b.getJsonObject(i).getDouble("similarity"), a.getJsonObject(i).getDouble("similarity"), 1e-6);
        }
      }
      JsonObject index = http.get("/api/v1/index/status").json();
      assertEquals("catch-up", index.getJsonObject("startup").getString("mode"), "loaded from the restored snapshots: " + index);
      assertEquals(0.41, http.get("/api/v1/collections/default/settings").json().getDouble("threshold"), 1e-6);
      assertTrue(http.get("/api/v1/admin/keys").body().contains(extraKeyId), "the API keys are restored");
    }
    Result again = cli(() -> RestoreCommand.run(config, new String[] {"--from", backup.toString()}, out, err));
    assertEquals(1, again.code, again.toString());
    assertTrue(again.err.contains("already holds"), again.err);
  }

  @Test
  @DisplayName("a backup with a corrupted file is refused, naming the file, before anything is written")
  void corruptedBackupIsRefused() throws Exception {
    Path copy = backup.resolveSibling("corrupt");
    copyTree(backup, copy);
    Path faces = copy.resolve("db/faces.copy.gz");
    byte[] bytes = Files.readAllBytes(faces);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(faces, bytes);
    Path data = Files.createTempDirectory("backupit-c");
    AppConfig config = ConfigLoader.load(env(newSchema(), data));
    Result r = cli(() -> RestoreCommand.run(config, new String[] {"--from", copy.toString()}, out, err));
    assertEquals(1, r.code, r.toString());
    assertTrue(r.err.contains("db/faces.copy.gz: sha256"), r.err);
    assertFalse(Files.exists(data.resolve("index")), "nothing restored");
  }

  @Test
  @DisplayName("a backup of another model is refused, and re-embedding is refused with the reason")
  void backupOfAnotherModelIsRefused() throws Exception {
    Path data = Files.createTempDirectory("backupit-d");
    Map<String, String> env = env(newSchema(), data);
    env.put("MODEL_PROFILE", "yunet-mobilefacenet");
    env.put("MODELS_DIR", Files.createTempDirectory("no-models").toString());
    AppConfig config = ConfigLoader.load(env);
    Result r = cli(() -> RestoreCommand.run(config, new String[] {"--from", backup.toString()}, out, err));
    assertEquals(1, r.code, r.toString());
    assertTrue(r.err.contains("MODEL_PROFILE=" + PROFILE), r.err);
    Result reembed = cli(() -> RestoreCommand.run(config, new String[] {"--from", backup.toString(), "--re-embed"}, out, err));
    assertEquals(2, reembed.code, reembed.toString());
    assertTrue(reembed.err.contains("keeps only each image's sha256"), reembed.err);
  }

  private static JsonObject identify(Http http, Path probe) throws IOException {
    Http.Res r = http.postFile("/api/v1/identify?largestOnly=true&limit=5", Files.readAllBytes(probe));
    assertEquals(200, r.status(), r.toString());
    return r.json().getJsonArray("faces").getJsonObject(0);
  }

  // ---- running a command with captured output

  private record Result(int code, String out, String err) {}

  private interface Command {
    int run();
  }

  private PrintStream out;
  private PrintStream err;

  private Result cli(Command c) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    out = new PrintStream(o, true, StandardCharsets.UTF_8);
    err = new PrintStream(e, true, StandardCharsets.UTF_8);
    int code = c.run();
    return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path d = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(d);
        } else {
          Files.copy(p, d);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
