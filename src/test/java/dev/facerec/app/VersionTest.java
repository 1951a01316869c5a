package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facerec.config.BuildInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VersionTest {
  @Test
  @DisplayName("the build reports the version Maven built (pom.xml's ${revision}, set from the tag by the release workflow)")
  void versionIsTheBuiltVersion() {
    assertEquals(System.getProperty("facerec.expectedVersion"), BuildInfo.version());
  }

  @Test
  @DisplayName("--version prints the product name and the version, and exits 0")
  void versionCommandPrintsIt() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"--version"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, code);
    assertEquals("facerec-service " + BuildInfo.version() + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
  }
}
