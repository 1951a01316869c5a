package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.eval.EvaluateCommand.IdentifySplit;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("IdentifySplit enrolls K faces per subject and splits a cohort off the strangers that never probes")
class IdentifySplitTest {
  /** Identity i has 1 + i % 5 images: "id07/0.jpg" ... */
  private static Map<String, List<Path>> folder(int identities) {
    Map<String, List<Path>> m = new TreeMap<>();
    for (int i = 0; i < identities; i++) {
      String id = String.format("id%02d", i);
      m.put(id, IntStream.range(0, 1 + i % 5).mapToObj(j -> Path.of(id, j + ".jpg")).toList());
    }
    return m;
  }

  @Test
  @DisplayName("no cohort identity is ever a probe or enrolled, and each gives exactly one image")
  void cohortIdentityIsNeverAProbe() {
    for (int k : new int[] {1, 3}) {
      IdentifySplit s = IdentifySplit.of(folder(60), null, k, 10, 12);
      Set<String> cohortIds = new HashSet<>(s.cohort().values());
      assertEquals(10, cohortIds.size());
      assertEquals(10, s.cohort().size());
      for (String id : cohortIds) {
        assertFalse(s.gallery().containsValue(id), id + " enrolled");
        assertFalse(s.mated().containsValue(id), id + " probes as mated");
        assertFalse(s.nonMated().containsValue(id), id + " probes as a stranger");
      }
      s.cohort().keySet().forEach(p -> assertFalse(s.nonMated().containsKey(p) || s.mated().containsKey(p)));
      // everyone with at most K images is a stranger: cohort + probing strangers = all of them
      long strangers = folder(60).values().stream().filter(l -> l.size() <= k).count();
      assertEquals(strangers, cohortIds.size() + s.strangerIdentities());
      assertTrue(s.allFiles().containsAll(s.cohort().keySet()));
    }
  }

  @Test
  @DisplayName("the cohort draw is fixed by its seed; without a cohort the split is today's")
  void cohortDrawIsSeeded() {
    Map<String, List<Path>> f = folder(200);
    assertEquals(IdentifySplit.of(f, null, 1, 20, 12).cohort(), IdentifySplit.of(f, null, 1, 20, 12).cohort());
    assertNotEquals(IdentifySplit.of(f, null, 1, 20, 12).cohort(), IdentifySplit.of(f, null, 1, 20, 13).cohort());
    IdentifySplit plain = IdentifySplit.of(f, null, 3, 0, 12);
    assertTrue(plain.cohort().isEmpty());
    assertEquals(f.values().stream().filter(l -> l.size() > 3).count(), plain.enrolledIdentities());
    assertEquals(3 * plain.enrolledIdentities(), plain.gallery().size());
    IdentifySplit cut = IdentifySplit.of(f, null, 3, 20, 12);
    assertEquals(plain.gallery(), cut.gallery());
    assertEquals(plain.mated(), cut.mated());
  }

  @Test
  @DisplayName("with separate probe folders the cohort comes from the probe identities that are not enrolled")
  void cohortFromSeparateProbeFolder() {
    Map<String, List<Path>> gallery = new TreeMap<>(Map.of("a", List.of(Path.of("g/a/1.jpg")),
        "b", List.of(Path.of("g/b/1.jpg"))));
    Map<String, List<Path>> probes = new TreeMap<>();
    probes.put("a", List.of(Path.of("p/a/1.jpg")));
    for (int i = 0; i < 5; i++) {
      probes.put("x" + i, List.of(Path.of("p/x" + i + "/1.jpg"), Path.of("p/x" + i + "/2.jpg")));
    }
    IdentifySplit s = IdentifySplit.of(gallery, probes, 1, 2, 12);
    assertEquals(2, s.cohort().size());
    assertEquals(3, s.strangerIdentities());
    assertEquals(6, s.nonMatedCount());
    s.cohort().values().forEach(id -> assertTrue(id.startsWith("x") && !s.nonMated().containsValue(id)));
  }

  @Test
  @DisplayName("a cohort that would leave no stranger to probe is refused")
  void refusesACohortOfAllStrangers() {
    Map<String, List<Path>> f = folder(10); // strangers at K=1: ids 0 and 5
    assertThrows(IllegalArgumentException.class, () -> IdentifySplit.of(f, null, 1, 2, 12));
    assertEquals(1, IdentifySplit.of(f, null, 1, 1, 12).strangerIdentities());
  }
}
