package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("OpenSet computes rank-1, FPIR and FNIR of identification probes")
class OpenSetTest {
  @Test
  @DisplayName("FNIR counts mated probes that are wrong at rank 1 or below the threshold; FPIR counts strangers above it")
  void ratesAtAThreshold() {
    List<OpenSet.Probe> p = List.of(
        new OpenSet.Probe(true, true, 0.9),
        new OpenSet.Probe(true, true, 0.4),
        new OpenSet.Probe(true, false, 0.95), // wrong subject: a miss at any threshold
        new OpenSet.Probe(true, false, Double.NEGATIVE_INFINITY), // no face
        new OpenSet.Probe(false, false, 0.5),
        new OpenSet.Probe(false, false, 0.2));
    OpenSet o = new OpenSet(p);
    assertEquals(0.5, o.rank1(), 1e-12);
    assertEquals(0.5, o.fnir(0.3), 1e-12);
    assertEquals(0.75, o.fnir(0.45), 1e-12);
    assertEquals(0.5, o.fpir(0.45), 1e-12);
    assertEquals(0.0, o.fpir(0.51), 1e-12);
  }

  @Test
  @DisplayName("the threshold at a target FPIR lets at most that share of strangers through")
  void thresholdAtFpir() {
    List<OpenSet.Probe> p = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      p.add(new OpenSet.Probe(false, false, i / 1000.0));
    }
    p.add(new OpenSet.Probe(true, true, 0.999));
    p.add(new OpenSet.Probe(true, true, 0.5));
    OpenSet o = new OpenSet(p);
    double t = o.thresholdAtFpir(1e-2);
    assertEquals(0.01, o.fpir(t), 1e-12);
    assertTrue(o.fpir(Math.nextDown(t)) > 0.01);
    assertEquals(0.5, o.fnir(t), 1e-12);
    assertTrue(o.enoughNonMatedFor(1e-3));
    assertFalse(o.enoughNonMatedFor(1e-4));
  }
}
