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
 * passing at the target p is binomial: the band is p ± 3.29·sqrt(p(1-p)/n), two-sided 99.9 %. The same for galleries
 * whose subjects are the centroid of three faces (the service's SUBJECT_SCORE=centroid), alone and mixed with
 * single-face subjects.
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

  @ParameterizedTest
  @ValueSource(strings = {"faceplugin", "yunet-mobilefacenet"})
  @DisplayName("with subjects scored by the centroid of three faces, alone or mixed with one-face subjects, the FPIR stays within the band")
  void fpirHoldsForCentroidSubjects(String profile) throws Exception {
    // Identities with 4+ images can enroll 3 and probe with the rest; the others enroll or probe with their first.
    List<List<Path>> all = new ArrayList<>(TestData.lfwIdentities(1));
    Collections.shuffle(all, new Random(12));
    List<List<Path>> rich = all.stream().filter(l -> l.size() >= 4).toList();
    List<List<Path>> poor = all.stream().filter(l -> l.size() < 4).toList();
    List<Path> files = new ArrayList<>();
    rich.forEach(files::addAll);
    poor.forEach(l -> files.add(l.get(0)));
    ModelManifest manifest = TestData.manifest();
    Embeddings.Result emb = Embeddings.compute(files, manifest, Variant.parse(profile, PipelineOptions.defaults()),
        TestData.modelsDir(profile), 2, System.out);
    dev.facerec.model.ProfileSpec spec = manifest.profile(profile);
    assertTrue(spec.centroidTails().size() >= 1, "the manifest has no centroid tails for " + profile);
    OpenSetThreshold bySubjects = new OpenSetThreshold(spec.impostorTail());
    OpenSetThreshold withCentroids = new OpenSetThreshold(spec.impostorTail(), spec.centroidTails());
    List<String> failures = new ArrayList<>();
    // {several-face subjects, one-face subjects}
    for (int[] mix : new int[][] {{50, 0}, {200, 0}, {150, 850}}) {
      List<SubjectTemplate> gallery = new ArrayList<>();
      List<float[]> mated = new ArrayList<>();
      List<Integer> matedOwner = new ArrayList<>();
      for (int i = 0; i < mix[0]; i++) {
        List<float[]> faces = rich.get(i).stream().map(emb::get).filter(java.util.Objects::nonNull).toList();
        gallery.add(new SubjectTemplate(faces.subList(0, 3)));
        for (float[] p : faces.subList(3, faces.size())) {
          mated.add(p);
          matedOwner.add(i);
        }
      }
      for (int i = 0; i < mix[1]; i++) {
        gallery.add(new SubjectTemplate(List.of(emb.get(poor.get(i).get(0)))));
      }
      List<float[]> strangers = new ArrayList<>();
      rich.subList(mix[0], rich.size()).forEach(l -> strangers.add(emb.get(l.get(0))));
      poor.subList(mix[1], poor.size()).forEach(l -> strangers.add(emb.get(l.get(0))));
      strangers.removeIf(java.util.Objects::isNull);
      int n = gallery.size();
      double t = withCentroids.threshold(new dev.facerec.recognition.GallerySize(n, mix[0]), TARGET);
      double tBest = bySubjects.threshold(n, TARGET);
      int passed = 0;
      int passedBest = 0;
      for (float[] s : strangers) {
        passed += best(gallery, s, SubjectTemplate.Rule.CENTROID)[1] >= t ? 1 : 0;
        passedBest += best(gallery, s, SubjectTemplate.Rule.BEST)[1] >= tBest ? 1 : 0;
      }
      int missedCentroid = 0;
      int missedBest = 0;
      for (int i = 0; i < mated.size(); i++) {
        double[] c = best(gallery, mated.get(i), SubjectTemplate.Rule.CENTROID);
        double[] b = best(gallery, mated.get(i), SubjectTemplate.Rule.BEST);
        missedCentroid += c[0] != matedOwner.get(i) || c[1] < t ? 1 : 0;
        missedBest += b[0] != matedOwner.get(i) || b[1] < tBest ? 1 : 0;
      }
      double fpir = passed / (double) strangers.size();
      double halfBand = 3.29 * Math.sqrt(TARGET * (1 - TARGET) / strangers.size());
      String line = String.format(java.util.Locale.ROOT, "[%s] %d subjects of 3 faces + %d of 1: threshold %.4f (subjects as single faces:"
              + " %.4f): %d of %d strangers passed, FPIR %.4f (band %.4f..%.4f); FNIR of %d mated probes: centroid %.2f %%; before (best"
              + " face, single-face threshold): FNIR %.2f %% at FPIR %.4f", profile, mix[0], mix[1], t, tBest, passed, strangers.size(), fpir,
          TARGET - halfBand, TARGET + halfBand, mated.size(), 100.0 * missedCentroid / mated.size(), 100.0 * missedBest / mated.size(),
          passedBest / (double) strangers.size());
      System.out.println(line);
      if (Math.abs(fpir - TARGET) > halfBand) {
        failures.add(line);
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  /** {index of the best subject, its score} under {@code rule}. */
  private static double[] best(List<SubjectTemplate> gallery, float[] probe, SubjectTemplate.Rule rule) {
    double[] out = {-1, Double.NEGATIVE_INFINITY};
    for (int i = 0; i < gallery.size(); i++) {
      double s = gallery.get(i).score(rule, probe);
      if (s > out[1]) {
        out[0] = i;
        out[1] = s;
      }
    }
    return out;
  }
}
