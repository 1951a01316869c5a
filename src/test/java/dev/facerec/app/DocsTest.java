package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DocsTest {
  @Test
  @DisplayName("docs/errors.md lists every failure code with its HTTP status")
  void everyFailureCodeIsDocumented() throws Exception {
    String doc = Files.readString(Path.of("docs/errors.md"));
    for (Failure f : Failure.values()) {
      assertTrue(doc.contains("| `" + f.name() + "` | " + f.httpStatus() + " |"), f + " is not documented with status " + f.httpStatus());
    }
  }

  @Test
  @DisplayName("docs/configuration.md and .env.example list every setting the code reads, and nothing else")
  void everySettingIsDocumented() throws Exception {
    java.util.List<String> vars = dev.facerec.config.ConfigLoader.variables();
    String doc = Files.readString(Path.of("docs/configuration.md"));
    String env = Files.readString(Path.of(".env.example"));
    for (String v : vars) {
      assertTrue(doc.contains("| `" + v + "` | "), v + " has no row in docs/configuration.md");
      assertTrue(env.lines().anyMatch(l -> l.matches("#?\\s*" + v + "=.*")), v + " is not in .env.example");
    }
    java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\| ").matcher(doc);
    int rows = 0;
    while (row.find()) {
      rows++;
      assertTrue(vars.contains(row.group(1)), "docs/configuration.md documents " + row.group(1) + ", which the code does not read");
    }
    assertTrue(rows == vars.size(), rows + " rows for " + vars.size() + " settings");
  }
}
