package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Pair reads pairs.csv and spreads pairs without a fold over the folds present")
class PairTest {
  @TempDir Path tmp;

  @Test
  @DisplayName("fold-0 pairs go round-robin to folds 1..k in file order; official folds are kept")
  void spreadsGeneratedPairs() throws IOException {
    Path csv = tmp.resolve("pairs.csv");
    Files.writeString(csv, """
        file_a,file_b,same,fold,origin
        a/1.jpg,a/2.jpg,1,1,lfw
        a/1.jpg,b/1.jpg,0,2,lfw
        c/1.jpg,d/1.jpg,0,0,generated
        c/1.jpg,e/1.jpg,0,0,generated
        c/1.jpg,f/1.jpg,0,,generated
        """);
    List<Pair> p = Pair.read(csv);
    assertEquals(5, p.size());
    assertEquals(List.of(1, 2, 1, 2, 1), p.stream().map(Pair::fold).toList());
    assertTrue(p.get(0).same());
    assertEquals("b/1.jpg", p.get(1).fileB());
  }

  @Test
  @DisplayName("a bad 'same' value is reported with its line")
  void rejectsBadLabel() throws IOException {
    Path csv = tmp.resolve("bad.csv");
    Files.writeString(csv, "file_a,file_b,same\na.jpg,b.jpg,yes\n");
    IOException e = assertThrows(IOException.class, () -> Pair.read(csv));
    assertTrue(e.getMessage().contains(":2:"), e.getMessage());
  }
}
