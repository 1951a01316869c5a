package dev.facerec.backup;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a backup holds, written last as {@code manifest.json}: format and product versions, the schema version, the
 * change-log position of the export, the models, each table's columns and row count, the index snapshots' position
 * and the sha256 of every file (also as {@code SHA256SUMS}, for {@code sha256sum -c}).
 */
public record BackupManifest(
    int formatVersion,
    String productVersion,
    String createdAt,
    String schemaVersion,
    long changeSeq,
    String profile,
    String modelId,
    List<String> galleryModels,
    List<Table> tables,
    Long indexSeq,
    Map<String, String> files) {

  public static final String FILE = "manifest.json";
  public static final String SUMS = "SHA256SUMS";
  public static final int FORMAT_VERSION = 1;
  private static final String FORMAT = "facerec-backup";

  /** One table's export: its file (relative to the backup), its columns in file order, and its rows. */
  public record Table(String name, String file, List<String> columns, long rows) {}

  public JsonObject toJson() {
    JsonArray t = new JsonArray();
    tables.forEach(x -> t.add(new JsonObject().put("name", x.name()).put("file", x.file())
        .put("columns", new JsonArray(new ArrayList<>(x.columns()))).put("rows", x.rows())));
    return new JsonObject()
        .put("format", FORMAT)
        .put("formatVersion", formatVersion)
        .put("productVersion", productVersion)
        .put("createdAt", createdAt)
        .put("schemaVersion", schemaVersion)
        .put("changeSeq", changeSeq)
        .put("models", new JsonObject().put("profile", profile).put("modelId", modelId)
            .put("gallery", new JsonArray(new ArrayList<>(galleryModels))))
        .put("tables", t)
        .put("index", indexSeq == null ? null : new JsonObject().put("appliedSeq", indexSeq))
        .put("files", new JsonObject(new TreeMap<>(files)));
  }

  public static BackupManifest fromJson(JsonObject j) {
    if (!FORMAT.equals(j.getString("format"))) {
      throw new IllegalArgumentException("not a facerec backup manifest (format '" + j.getString("format") + "')");
    }
    List<Table> tables = new ArrayList<>();
    for (Object o : j.getJsonArray("tables")) {
      JsonObject t = (JsonObject) o;
      tables.add(new Table(t.getString("name"), t.getString("file"),
          t.getJsonArray("columns").stream().map(String::valueOf).toList(), t.getLong("rows")));
    }
    JsonObject models = j.getJsonObject("models");
    JsonObject index = j.getJsonObject("index");
    Map<String, String> files = new TreeMap<>();
    j.getJsonObject("files").forEach(e -> files.put(e.getKey(), String.valueOf(e.getValue())));
    return new BackupManifest(j.getInteger("formatVersion"), j.getString("productVersion"), j.getString("createdAt"),
        j.getString("schemaVersion"), j.getLong("changeSeq"), models.getString("profile"), models.getString("modelId"),
        models.getJsonArray("gallery").stream().map(String::valueOf).toList(), tables,
        index == null ? null : index.getLong("appliedSeq"), files);
  }

  /** Writes manifest.json and SHA256SUMS into {@code dir}. */
  public void write(Path dir) throws IOException {
    Files.writeString(dir.resolve(FILE), toJson().encodePrettily() + "\n", StandardCharsets.UTF_8);
    StringBuilder sums = new StringBuilder();
    new TreeMap<>(files).forEach((f, sha) -> sums.append(sha).append("  ").append(f).append('\n'));
    Files.writeString(dir.resolve(SUMS), sums, StandardCharsets.UTF_8);
  }

  public static BackupManifest read(Path dir) throws IOException {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      throw new IOException("no " + FILE + " in " + dir + " (not a backup, or an unfinished one)");
    }
    try {
      return fromJson(new JsonObject(Files.readString(f, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      throw new IOException(f + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** Every listed file that is missing or whose sha256 differs, one line each; empty when the backup is intact. */
  public List<String> verify(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(files).entrySet()) {
      Path f = dir.resolve(e.getKey()).normalize();
      if (!f.startsWith(dir.normalize())) {
        problems.add(e.getKey() + ": outside the backup directory");
      } else if (!Files.isRegularFile(f)) {
        problems.add(e.getKey() + ": missing");
      } else {
        String actual = sha256(f);
        if (!actual.equals(e.getValue())) {
          problems.add(e.getKey() + ": sha256 " + actual + ", the manifest says " + e.getValue());
        }
      }
    }
    for (Table t : tables) {
      if (!files.containsKey(t.file())) {
        problems.add(t.file() + ": table " + t.name() + " has no checksum in the manifest");
      }
    }
    return problems;
  }

  /** The lowercase hex sha256 of a file (the model verifier's, which reads in 64 KiB blocks). */
  public static String sha256(Path f) {
    return dev.facerec.model.ModelVerifier.sha256(f);
  }

  /** The product version from the jar (Maven's pom.properties), or "dev" when run from classes. */
  public static String runningVersion() {
    try (InputStream in = BackupManifest.class.getResourceAsStream("/META-INF/maven/dev.facerec/facerec-service/pom.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        return p.getProperty("version", "dev");
      }
    } catch (IOException e) {
      // fall through
    }
    String v = BackupManifest.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
