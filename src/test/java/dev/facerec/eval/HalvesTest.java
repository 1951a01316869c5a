package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Identity-disjoint halves: a seeded split of the identities, crossing pairs dropped, halves balanced")
class HalvesTest {

  /** 40 identities with 3 images each; every identity has 2 genuine pairs and one impostor pair to the next one. */
  private static List<Pair> synthetic() {
    List<Pair> pairs = new ArrayList<>();
    int n = 40;
    for (int i = 0; i < n; i++) {
      String id = "P" + i;
      int fold = i % 5 + 1;
      pairs.add(new Pair(id + "/1.jpg", id + "/2.jpg", true, fold, "official"));
      pairs.add(new Pair(id + "/1.jpg", id + "/3.jpg", true, fold, "official"));
      pairs.add(new Pair(id + "/2.jpg", "P" + ((i + 1) % n) + "/1.jpg", false, fold, "official"));
    }
    return pairs;
  }

  private static Set<String> ids(List<Pair> pairs) {
    Set<String> out = new HashSet<>();
    pairs.forEach(p -> {
      out.add(Halves.identity(p.fileA()));
      out.add(Halves.identity(p.fileB()));
    });
    return out;
  }

  @Test
  @DisplayName("the halves share no identity, both hold pairs, and every kept pair lies inside one half")
  void identityDisjoint() {
    List<Pair> pairs = synthetic();
    Halves.Split s = Halves.split(pairs, 14);
    assertEquals(20, s.a().size());
    assertEquals(20, s.b().size());
    Set<String> a = new HashSet<>(s.a());
    Set<String> b = new HashSet<>(s.b());
    assertTrue(a.stream().noneMatch(b::contains));
    assertEquals(40, a.size() + b.size());
    assertFalse(s.pairsA().isEmpty());
    assertFalse(s.pairsB().isEmpty());
    assertTrue(a.containsAll(ids(s.pairsA())), "every image of a pair of A is an identity of A");
    assertTrue(b.containsAll(ids(s.pairsB())), "every image of a pair of B is an identity of B");
  }

  @Test
  @DisplayName("pairs crossing the halves are dropped and counted; every genuine pair is kept")
  void dropsCrossingPairs() {
    List<Pair> pairs = synthetic();
    Halves.Split s = Halves.split(pairs, 14);
    Set<String> a = new HashSet<>(s.a());
    long crossing = pairs.stream()
        .filter(p -> a.contains(Halves.identity(p.fileA())) != a.contains(Halves.identity(p.fileB()))).count();
    assertTrue(crossing > 0, "the synthetic data has crossing impostors for this seed");
    assertEquals(crossing, s.dropped());
    assertEquals(pairs.size() - crossing, s.keptA() + s.keptB());
    List<Pair> kept = Stream.concat(s.pairsA().subList(0, s.keptA()).stream(), s.pairsB().subList(0, s.keptB()).stream())
        .toList();
    assertEquals(80, kept.stream().filter(Pair::same).count(), "genuine pairs never cross");
    assertTrue(pairs.containsAll(kept), "the kept pairs are the file's, folds unchanged");
  }

  @Test
  @DisplayName("each half is topped up with generated impostors of its own identities to as many different as same")
  void balancesEachHalf() {
    Halves.Split s = Halves.split(synthetic(), 14);
    for (List<Pair> half : List.of(s.pairsA(), s.pairsB())) {
      long same = half.stream().filter(Pair::same).count();
      assertEquals(same, half.size() - same);
      Set<String> keys = new HashSet<>();
      for (Pair p : half) {
        assertTrue(p.fold() >= 1 && p.fold() <= 5, "generated pairs go to the folds present: " + p);
        assertTrue(keys.add(p.fileA().compareTo(p.fileB()) < 0 ? p.fileA() + p.fileB() : p.fileB() + p.fileA()),
            "no pair twice: " + p);
        if (!p.same()) {
          assertNotEquals(Halves.identity(p.fileA()), Halves.identity(p.fileB()));
        }
      }
    }
    assertTrue(s.generatedA() > 0 && s.generatedB() > 0);
  }

  @Test
  @DisplayName("the same seed gives the same split and pairs; another seed another split")
  void deterministic() {
    Halves.Split x = Halves.split(synthetic(), 7);
    Halves.Split y = Halves.split(synthetic(), 7);
    assertEquals(x, y);
    Halves.Split z = Halves.split(synthetic(), 8);
    assertNotEquals(x.a(), z.a());
  }

  @Test
  @DisplayName("an image outside an identity folder, or a split leaving a half empty, is refused")
  void refusesUnusableData() {
    assertThrows(IllegalArgumentException.class,
        () -> Halves.split(List.of(new Pair("a.jpg", "b.jpg", false, 1, "")), 1));
    assertThrows(IllegalArgumentException.class,
        () -> Halves.split(List.of(new Pair("x/1.jpg", "x/2.jpg", true, 1, "")), 1));
  }

  @Test
  @DisplayName("the choice: best accuracy at the own FMR threshold, then k-fold, then the first given")
  void choice() {
    assertEquals("b", Halves.choose(List.of(new Halves.Candidate("a", 0.98, 0.99),
        new Halves.Candidate("b", 0.985, 0.97))).label());
    assertEquals("a", Halves.choose(List.of(new Halves.Candidate("a", 0.98, 0.99),
        new Halves.Candidate("b", 0.98, 0.97))).label());
    assertEquals("a", Halves.choose(List.of(new Halves.Candidate("a", 0.98, 0.99),
        new Halves.Candidate("b", 0.98, 0.99))).label());
    assertEquals(0.5, Halves.accuracy(new double[] {0.1, 0.9, 0.5, 0.2}, new boolean[] {true, true, false, false}, 0.4));
  }

  @Test
  @DisplayName("--halves is a verify mode; its other sets need it; a bad seed exits 2")
  void commandLine() {
    EvaluateCommand.Args a = EvaluateCommand.parse(new String[] {"verify", "--pairs", "p.csv", "--images", "i",
        "--profile", "faceplugin", "--halves", "14", "--other-pairs", "d/pairs.csv", "--other-identify", "orl",
        "--other-identify", "yale", "--cache", "c"});
    assertEquals(14L, a.halves());
    assertEquals(List.of(java.nio.file.Path.of("d/pairs.csv")), a.otherPairs());
    assertEquals(2, a.otherIdentify().size());
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--pairs", "p.csv", "--images", "i", "--profile",
        "faceplugin", "--halves", "x"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--pairs", "p.csv", "--images", "i", "--profile",
        "faceplugin", "--other-pairs", "d.csv"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"identify", "--gallery", "g", "--probes", "g", "--profile",
        "faceplugin", "--halves", "1"}, o, o));
    assertEquals("A", EvaluateCommand.parse(new String[] {"identify", "--gallery", "g", "--probes", "g", "--pairs", "p.csv",
        "--halves", "1", "--half", "A", "--profile", "faceplugin"}).half());
    // impostors on one half: needs --halves and --pairs, and A or B
    EvaluateCommand.Args h = EvaluateCommand.parse(new String[] {"impostors", "--images", "i", "--pairs", "p.csv",
        "--halves", "14", "--half", "B", "--profile", "faceplugin"});
    assertEquals("B", h.half());
    assertEquals(14L, h.halves());
    assertEquals(2, EvaluateCommand.run(new String[] {"impostors", "--images", "i", "--halves", "14", "--half", "B",
        "--profile", "faceplugin"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"impostors", "--images", "i", "--pairs", "p.csv", "--halves", "14",
        "--half", "C", "--profile", "faceplugin"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"impostors", "--images", "i", "--pairs", "p.csv", "--halves", "14",
        "--profile", "faceplugin"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--pairs", "p.csv", "--images", "i", "--halves", "14",
        "--half", "A", "--profile", "faceplugin"}, o, o));
  }

  @Test
  @DisplayName("impostors --half keeps exactly the identities of that half that are folders of the images")
  void impostorsKeepOneHalf() {
    Halves.Split split = Halves.split(synthetic(), 14);
    java.util.Map<String, List<java.nio.file.Path>> ids = new java.util.TreeMap<>();
    for (String id : split.a()) {
      ids.put(id, List.of(java.nio.file.Path.of(id, "1.jpg")));
    }
    for (String id : split.b()) {
      ids.put(id, List.of(java.nio.file.Path.of(id, "1.jpg")));
    }
    ids.put("not_in_the_pairs", List.of(java.nio.file.Path.of("not_in_the_pairs", "1.jpg")));
    assertEquals(java.util.Set.copyOf(split.b()), ImpostorCalibration.half(ids, split, "B").keySet());
    assertEquals(java.util.Set.copyOf(split.a()), ImpostorCalibration.half(ids, split, "A").keySet());
  }
}
