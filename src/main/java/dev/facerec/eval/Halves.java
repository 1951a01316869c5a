package dev.facerec.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The identity-disjoint halves protocol (issue 14): the identities of a pairs file (an image's identity is its
 * folder) are shuffled with a fixed seed and cut into two halves A and B; a pair is kept in a half when both its
 * images' identities are in that half, and dropped when it crosses the halves (only impostor pairs can). Each half
 * is then topped up with generated impostor pairs drawn from its own images so that it holds as many different as
 * same pairs again (the shared LFW pairs are balanced the same way; dropping the crossing pairs removes about half
 * of the impostors). Options are chosen on one half and reported on the other.
 */
public final class Halves {
  private Halves() {}

  /**
   * @param a identities of half A, sorted
   * @param b identities of half B, sorted
   * @param pairsA pairs of half A: the kept pairs of the file in file order, then the generated ones
   * @param pairsB same for B
   * @param keptA pairs of the file kept in A (the first {@code keptA} of {@code pairsA})
   * @param keptB same for B
   * @param dropped pairs of the file whose images fall in different halves (all impostors)
   */
  public record Split(long seed, List<String> a, List<String> b, List<Pair> pairsA, List<Pair> pairsB, int keptA,
      int keptB, int dropped) {
    public int generatedA() {
      return pairsA.size() - keptA;
    }

    public int generatedB() {
      return pairsB.size() - keptB;
    }
  }

  /** The identity of an image of a pairs file: its folder ({@code Name/Name_0001.jpg} is {@code Name}). */
  static String identity(String file) {
    Path parent = Path.of(file).getParent();
    if (parent == null) {
      throw new IllegalArgumentException("--halves needs images in identity folders (DIR/<identity>/<image>), got '"
          + file + "'");
    }
    return parent.toString().replace('\\', '/');
  }

  /**
   * Splits and balances. The identities are sorted, shuffled with {@code new Random(seed)}; A takes the first
   * ceil(n/2), B the rest. Generated impostors (origin {@code halves-generated}, fold 0, then spread round-robin
   * over the half's folds like the file's own fold-0 pairs) join two distinct images of different identities of the
   * half's kept pairs, never a pair already present; they are drawn with {@code new Random(seed + 1)} for A and
   * {@code seed + 2} for B.
   */
  public static Split split(List<Pair> pairs, long seed) {
    TreeSet<String> ids = new TreeSet<>();
    for (Pair p : pairs) {
      ids.add(identity(p.fileA()));
      ids.add(identity(p.fileB()));
    }
    List<String> names = new ArrayList<>(ids);
    Collections.shuffle(names, new Random(seed));
    int na = (names.size() + 1) / 2;
    Set<String> a = new HashSet<>(names.subList(0, na));
    List<Pair> inA = new ArrayList<>();
    List<Pair> inB = new ArrayList<>();
    int dropped = 0;
    for (Pair p : pairs) {
      boolean ia = a.contains(identity(p.fileA()));
      boolean ib = a.contains(identity(p.fileB()));
      if (ia && ib) {
        inA.add(p);
      } else if (!ia && !ib) {
        inB.add(p);
      } else {
        dropped++;
      }
    }
    if (inA.isEmpty() || inB.isEmpty()) {
      throw new IllegalArgumentException("--halves: a half holds no pair (" + inA.size() + " / " + inB.size()
          + "); the pairs file needs more identities");
    }
    List<String> sortedA = names.subList(0, na).stream().sorted().toList();
    List<String> sortedB = names.subList(na, names.size()).stream().sorted().toList();
    return new Split(seed, sortedA, sortedB, balance(inA, new Random(seed + 1)), balance(inB, new Random(seed + 2)),
        inA.size(), inB.size(), dropped);
  }

  /** The kept pairs plus generated impostors until different = same (nothing added when already so). */
  static List<Pair> balance(List<Pair> kept, Random rnd) {
    long same = kept.stream().filter(Pair::same).count();
    long different = kept.size() - same;
    List<String> images = new ArrayList<>(new TreeSet<>(kept.stream().flatMap(p -> java.util.stream.Stream.of(p.fileA(),
        p.fileB())).toList()));
    Set<String> present = new HashSet<>();
    for (Pair p : kept) {
      present.add(key(p.fileA(), p.fileB()));
    }
    List<Pair> generated = new ArrayList<>();
    long need = same - different;
    long possible = possibleImpostors(images);
    if (need > possible - different) {
      throw new IllegalArgumentException("--halves: a half has too few identities to balance its pairs");
    }
    while (generated.size() < need) {
      String x = images.get(rnd.nextInt(images.size()));
      String y = images.get(rnd.nextInt(images.size()));
      if (identity(x).equals(identity(y)) || !present.add(key(x, y))) {
        continue;
      }
      generated.add(new Pair(x, y, false, 0, "halves-generated"));
    }
    List<Pair> all = new ArrayList<>(kept);
    all.addAll(generated);
    // The generated pairs (fold 0) go round-robin over the folds the kept pairs have; the kept keep theirs.
    List<Integer> folds = kept.stream().map(Pair::fold).filter(f -> f > 0).distinct().sorted().toList();
    if (folds.isEmpty()) {
      return all;
    }
    List<Pair> out = new ArrayList<>(all.size());
    int next = 0;
    for (Pair p : all) {
      out.add(p.fold() > 0 ? p : new Pair(p.fileA(), p.fileB(), p.same(), folds.get(next++ % folds.size()), p.origin()));
    }
    return out;
  }

  private static long possibleImpostors(List<String> images) {
    java.util.Map<String, Long> perId = new java.util.HashMap<>();
    images.forEach(i -> perId.merge(identity(i), 1L, Long::sum));
    long n = images.size();
    long same = perId.values().stream().mapToLong(c -> c * (c - 1) / 2).sum();
    return n * (n - 1) / 2 - same;
  }

  private static String key(String x, String y) {
    return x.compareTo(y) <= 0 ? x + "\n" + y : y + "\n" + x;
  }

  /** Share of pairs decided right by "match when score >= t". */
  public static double accuracy(double[] scores, boolean[] same, double t) {
    int correct = 0;
    for (int i = 0; i < scores.length; i++) {
      correct += (scores[i] >= t) == same[i] ? 1 : 0;
    }
    return scores.length == 0 ? Double.NaN : correct / (double) scores.length;
  }

  /** What the selection rule compares for one variant on the selection half. */
  public record Candidate(String label, double accuracyAtFmrThreshold, double kfoldMean) {}

  /**
   * The selection rule: the highest accuracy on the selection half at the variant's own target-FMR threshold
   * (calibrated on that half); ties go to the higher k-fold accuracy on that half, then to the variant given first.
   */
  public static Candidate choose(List<Candidate> candidates) {
    return candidates.stream().max(Comparator.comparingDouble(Candidate::accuracyAtFmrThreshold)
        .thenComparingDouble(Candidate::kfoldMean)
        .thenComparing(Comparator.comparingInt((Candidate c) -> candidates.indexOf(c)).reversed()))
        .orElseThrow(() -> new IllegalArgumentException("nothing to choose from"));
  }

  /** Distinct images of these pairs, resolved against {@code images}, in first-seen order. */
  static List<Path> files(List<Pair> pairs, Path images) {
    LinkedHashSet<Path> out = new LinkedHashSet<>();
    for (Pair p : pairs) {
      out.add(images.resolve(p.fileA()));
      out.add(images.resolve(p.fileB()));
    }
    return new ArrayList<>(out);
  }
}
