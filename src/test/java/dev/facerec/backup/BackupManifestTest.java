package dev.facerec.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupManifestTest {
  @TempDir
  Path dir;

  private BackupManifest manifest(Map<String, String> files) {
    return new BackupManifest(1, "1.2.3", "2026-12-01T00:00:00Z", "6", 42, "faceplugin", "m-512", List.of("m-512"),
        List.of(new BackupManifest.Table("faces", "db/faces.copy.gz", List.of("id", "embedding"), 3)), 40L, files);
  }

  @Test
  @DisplayName("a manifest reads back as written, SHA256SUMS beside it")
  void roundTrips() throws Exception {
    Files.createDirectories(dir.resolve("db"));
    Files.writeString(dir.resolve("db/faces.copy.gz"), "rows");
    BackupManifest m = manifest(Map.of("db/faces.copy.gz", BackupManifest.sha256(dir.resolve("db/faces.copy.gz"))));
    m.write(dir);
    assertEquals(m, BackupManifest.read(dir));
    assertTrue(Files.readString(dir.resolve(BackupManifest.SUMS)).endsWith("  db/faces.copy.gz\n"));
    assertEquals(List.of(), BackupManifest.read(dir).verify(dir));
  }

  @Test
  @DisplayName("verify names a changed file, a missing file and a path outside the backup")
  void verifyNamesEveryProblem() throws Exception {
    Files.createDirectories(dir.resolve("db"));
    Files.writeString(dir.resolve("db/faces.copy.gz"), "rows");
    String good = BackupManifest.sha256(dir.resolve("db/faces.copy.gz"));
    Files.writeString(dir.resolve("db/faces.copy.gz"), "rowz");
    List<String> problems = manifest(Map.of("db/faces.copy.gz", good, "db/gone.copy.gz", good, "../etc/passwd", good)).verify(dir);
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("db/faces.copy.gz: sha256")), problems.toString());
    assertTrue(problems.contains("db/gone.copy.gz: missing"), problems.toString());
    assertTrue(problems.contains("../etc/passwd: outside the backup directory"), problems.toString());
  }
}
