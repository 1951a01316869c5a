package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.testing.TestData;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.api.Tag(dev.facerec.testing.TestData.FULL_DATA)
@DisplayName("evaluate verify runs real LFW pairs through the service pipeline and writes its reports")
class EvaluateCommandIT {
  /** On 100 LFW pairs the profile measures about 98-99 %; 93 % leaves room for the small sample. */
  private static final double ACCURACY_FLOOR = 0.93;

  @TempDir Path tmp;

  @Test
  @DisplayName("100 LFW pairs (5 same + 5 different per fold) with yunet-mobilefacenet: JSON, PNG and accuracy above the floor")
  void verifiesSubsetOfLfwPairs() throws Exception {
    Path csv = tmp.resolve("pairs.csv");
    List<String> lines = Files.readAllLines(TestData.lfw().resolve("pairs.csv"), StandardCharsets.UTF_8);
    List<String> subset = new ArrayList<>(List.of(lines.get(0)));
    Map<String, Integer> taken = new HashMap<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] f = l.split(",");
      String key = f[2] + "/" + f[3];
      if (!f[3].equals("0") && taken.merge(key, 1, Integer::sum) <= 5) {
        subset.add(l);
      }
    }
    assertEquals(101, subset.size());
    Files.write(csv, subset, StandardCharsets.UTF_8);
    Path models = TestData.modelsDir("yunet-mobilefacenet");
    Path out = tmp.resolve("out");

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int rc = EvaluateCommand.run(new String[] {"verify", "--pairs", csv.toString(), "--images", TestData.lfw().toString(),
        "--profile", "yunet-mobilefacenet", "--models-dir", models.toString(), "--out", out.toString()},
        new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
    String text = stdout.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, text + stderr.toString(StandardCharsets.UTF_8));
    assertTrue(text.contains("accuracy (k-fold, mean ± std)"), text);
    assertTrue(text.contains("not enough impostor pairs"), "50 impostor pairs cannot measure FAR 1e-2: " + text);

    Path json = out.resolve("verify-yunet-mobilefacenet.json");
    Path png = out.resolve("verify-yunet-mobilefacenet-roc.png");
    assertTrue(Files.isRegularFile(json), "no JSON report");
    assertTrue(Files.isRegularFile(png), "no ROC plot");
    assertTrue(ImageIO.read(png.toFile()).getWidth() > 100, "the PNG does not decode");

    JsonObject result = new JsonObject(Files.readString(json)).getJsonArray("results").getJsonObject(0);
    assertEquals(0, result.getInteger("pairsFailed"));
    assertEquals(10, result.getJsonObject("accuracy").getJsonArray("folds").size());
    double accuracy = result.getJsonObject("accuracy").getDouble("mean");
    assertTrue(accuracy >= ACCURACY_FLOOR, "accuracy " + accuracy);
    assertTrue(result.getDouble("auc") > 0.97, "AUC " + result.getDouble("auc"));
  }
}
