package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.recognition.OpenSetThreshold;
import dev.facerec.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The size-aware 1:N threshold keeps its FPIR on LFW: galleries of 50, 200 and 1,000 identities (one image each,
 * drawn with a fixed seed), every other identity a stranger probing with one image. With n strangers the count
 * passing at the target p is binomial: the band is p ± 3.29·sqrt(p(1-p)/n), two-sided 99.9 %.
 */
@org.junit.jupiter.api.Tag(TestData.FULL_DATA)
class FpirAcrossGallerySizesIT {
  private static final double TARGET = 1e-2;
  private static final int[] SIZES = {50, 200, 1000};

  @ParameterizedTest
  @ValueSource(strings = {"faceplugin", "yunet-mobilefacenet"})
  @DisplayName("the measured FPIR at the size-aware threshold stays within the binomial band of the 1e-2 target at 50, 200 and 1,000 subjects")
  void fpirHoldsAcrossGallerySizes(String profile) throws Exception {
    List<Path> firstImages = new ArrayList<>();
    TestData.lfwIdentities(1).forEach(imgs -> firstImages.add(imgs.get(0)));
    Collections.shuffle(firstImages, new Random(12));
    ModelManifest manifest = TestData.manifest();
    Embeddings.Result emb = Embeddings.compute(firstImages, manifest, Variant.parse(profile, PipelineOptions.defaults()),
        TestData.modelsDir(profile), 2, System.out);
    List<float[]> people = firstImages.stream().map(emb::get).filter(java.util.Objects::nonNull).toList();
    OpenSetThreshold sized = new OpenSetThreshold(manifest.profile(profile).impostorTail());
    List<String> failures = new ArrayList<>();
    for (int n : SIZES) {
      List<float[]> gallery = people.subList(0, n);
      List<float[]> strangers = people.subList(n, people.size());
      double t = sized.threshold(n, TARGET);
      int passed = 0;
      for (float[] s : strangers) {
        double best = Double.NEGATIVE_INFINITY;
        for (float[] g : gallery) {
          best = Math.max(best, FacePipeline.cosine(s, g));
        }
        passed += best >= t ? 1 : 0;
      }
      double fpir = passed / (double) strangers.size();
      double halfBand = 3.29 * Math.sqrt(TARGET * (1 - TARGET) / strangers.size());
      String line = String.format(java.util.Locale.ROOT, "[%s] N=%d threshold %.4f: %d of %d strangers passed, FPIR %.4f (band %.4f..%.4f)",
          profile, n, t, passed, strangers.size(), fpir, TARGET - halfBand, TARGET + halfBand);
      System.out.println(line);
      if (Math.abs(fpir - TARGET) > halfBand) {
        failures.add(line);
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }
}
