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
}
