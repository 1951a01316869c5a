package dev.facerec.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One labeled pair of a {@code pairs.csv} ({@code file_a,file_b,same,fold,origin}; paths relative to the
 * images folder).
 */
public record Pair(String fileA, String fileB, boolean same, int fold, String origin) {

  /**
   * Reads a pairs file. Pairs without a fold (0 or empty: the generated mismatches of the shared LFW set)
   * are spread over the folds present, round-robin in file order (the i-th such pair goes to the
   * (i mod k)-th fold), so every fold keeps its official pairs and gains about the same number of
   * extra impostor pairs. When no pair has a fold, all stay in fold 0.
   */
  public static List<Pair> read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    List<Pair> raw = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || (n == 0 && line.startsWith("file_a"))) {
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length < 3) {
        throw new IOException(csv + ":" + (n + 1) + ": expected file_a,file_b,same[,fold,origin]");
      }
      boolean same = switch (f[2].strip()) {
        case "1", "true" -> true;
        case "0", "false" -> false;
        default -> throw new IOException(csv + ":" + (n + 1) + ": 'same' must be 1 or 0, got '" + f[2] + "'");
      };
      int fold = f.length > 3 && !f[3].isBlank() ? Integer.parseInt(f[3].strip()) : 0;
      raw.add(new Pair(f[0].strip(), f[1].strip(), same, fold, f.length > 4 ? f[4].strip() : ""));
    }
    return spreadFoldless(raw);
  }

  static List<Pair> spreadFoldless(List<Pair> pairs) {
    List<Integer> folds = pairs.stream().map(Pair::fold).filter(f -> f > 0).distinct().sorted().toList();
    if (folds.isEmpty()) {
      return pairs;
    }
    List<Pair> out = new ArrayList<>(pairs.size());
    int next = 0;
    for (Pair p : pairs) {
      if (p.fold() > 0) {
        out.add(p);
      } else {
        out.add(new Pair(p.fileA(), p.fileB(), p.same(), folds.get(next++ % folds.size()), p.origin()));
      }
    }
    return out;
  }
}
