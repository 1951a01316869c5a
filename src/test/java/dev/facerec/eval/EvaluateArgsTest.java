package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.detect.LandmarkOptions;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ProfileSpec;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The evaluate command line: usage errors exit 2, profile suffixes switch options")
class EvaluateArgsTest {
  @Test
  @DisplayName("missing or unknown arguments exit 2 and say what is wrong")
  void rejectsBadUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, EvaluateCommand.run(new String[] {}, o, e));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--profile", "faceplugin"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("'verify' needs --pairs"));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--pairs", "p.csv", "--images", "x"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("give at least one --profile"));
    assertEquals(2, EvaluateCommand.run(new String[] {"identify", "--gallery", "g", "--probes", "p", "--profile", "x",
        "--threads", "zero"}, o, e));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--bogus"}, o, e));
    assertEquals(0, EvaluateCommand.run(new String[] {"--help"}, o, e));
  }

  @Test
  @DisplayName("identify takes lists of K, templates and norms; unknown names and a zero cohort exit 2")
  void parsesStrategyLists() {
    EvaluateCommand.Args a = EvaluateCommand.parse(new String[] {"identify", "--gallery", "g", "--probes", "g",
        "--profile", "faceplugin", "--enroll-per-subject", "1,3", "--templates", "best,top2,centroid", "--norm",
        "none,cohort-probe,cohort-subject", "--cohort-size", "50"});
    assertEquals(java.util.List.of(1, 3), a.enrollPerSubject());
    assertEquals(java.util.List.of(SubjectTemplate.Rule.BEST, SubjectTemplate.Rule.TOP2, SubjectTemplate.Rule.CENTROID),
        a.templates());
    assertEquals(java.util.List.of(CohortNorm.Kind.NONE, CohortNorm.Kind.PROBE, CohortNorm.Kind.SUBJECT), a.norms());
    assertEquals(50, a.cohortSize());
    assertTrue(a.needsCohort());
    EvaluateCommand.Args plain = EvaluateCommand.parse(new String[] {"identify", "--gallery", "g", "--probes", "g",
        "--profile", "faceplugin"});
    assertEquals(java.util.List.of(1), plain.enrollPerSubject());
    assertEquals(java.util.List.of(SubjectTemplate.Rule.BEST), plain.templates());
    assertFalse(plain.needsCohort());
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    for (String[] bad : new String[][] {{"--templates", "mean"}, {"--norm", "znorm"}, {"--cohort-size", "0"},
        {"--enroll-per-subject", "1,0"}}) {
      assertEquals(2, EvaluateCommand.run(new String[] {"identify", "--gallery", "g", "--probes", "g", "--profile",
          "faceplugin", bad[0], bad[1]}, o, o), String.join(" ", bad));
    }
  }

  @Test
  @DisplayName("--fuse takes exactly two profiles in verify or identify; otherwise it exits 2")
  void fuseNeedsExactlyTwoProfiles() {
    EvaluateCommand.Args a = EvaluateCommand.parse(new String[] {"verify", "--pairs", "p.csv", "--images", "x",
        "--profile", "faceplugin", "--profile", "yunet-mobilefacenet", "--fuse"});
    assertTrue(a.fuse());
    assertFalse(EvaluateCommand.parse(new String[] {"verify", "--pairs", "p.csv", "--images", "x", "--profile",
        "faceplugin"}).fuse());
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, EvaluateCommand.run(new String[] {"identify", "--gallery", "g", "--probes", "g", "--profile",
        "faceplugin", "--fuse"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("exactly two --profile"));
    assertEquals(2, EvaluateCommand.run(new String[] {"impostors", "--images", "x", "--profile", "faceplugin",
        "--profile", "yunet-mobilefacenet", "--fuse"}, o, o));
    assertEquals(2, EvaluateCommand.run(new String[] {"verify", "--pairs", "p.csv", "--images", "x", "--profile",
        "a,b,c", "--fuse"}, o, o));
  }

  @Test
  @DisplayName("P:flip:refine turns both switches on for that profile only")
  void parsesVariants() {
    PipelineOptions base = PipelineOptions.defaults();
    Variant v = Variant.parse("yunet-mobilefacenet:refine:flip", base);
    assertEquals("yunet-mobilefacenet", v.profile());
    assertTrue(v.options().flipAugment());
    assertTrue(v.options().refineLandmarks());
    assertEquals("yunet-mobilefacenet+refine+flip", v.label());
    Variant plain = Variant.parse("faceplugin", base.withFlipAugment(true));
    assertTrue(plain.options().flipAugment());
    assertFalse(Variant.parse("faceplugin:noflip", base.withFlipAugment(true)).options().flipAugment());
  }

  @Test
  @DisplayName("the landmark and detector switches reach the pipeline options and the manifest, and name the variant")
  void parsesLandmarkAndDetectorSwitches() {
    PipelineOptions base = PipelineOptions.defaults();
    Variant v = Variant.parse("yunet-mobilefacenet:five=mouthouter:crop=twopass:detectorpoints:flip", base);
    assertEquals(LandmarkOptions.FivePoints.MOUTH_OUTER, v.options().landmarks().fivePoints());
    assertEquals(LandmarkOptions.Crop.TWO_PASS, v.options().landmarks().crop());
    assertTrue(v.options().landmarks().withDetectorPoints());
    assertEquals("yunet-mobilefacenet+five=mouthouter+crop=twopass+detectorpoints+flip", v.label());
    assertEquals(LandmarkOptions.DEFAULT, Variant.parse("yunet-mobilefacenet", base).options().landmarks());

    ModelManifest manifest = TestData.manifest();
    Variant d = Variant.parse("yunet-mobilefacenet:detector=faceplugin-detect", base);
    assertEquals("yunet-mobilefacenet+detector=faceplugin-detect", d.label());
    ProfileSpec swapped = d.applyTo(manifest).profile("yunet-mobilefacenet");
    assertEquals("faceplugin-detect", swapped.detector());
    assertEquals(manifest.profile("yunet-mobilefacenet").recognizer(), swapped.recognizer());
    assertEquals(manifest.profile("yunet-mobilefacenet").threshold(), swapped.threshold());
    assertEquals("yunet-2023mar", manifest.profile("yunet-mobilefacenet").detector(), "the loaded manifest is not changed");

    assertThrows(IllegalArgumentException.class, () -> Variant.parse("faceplugin:five=eyes4", base));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("faceplugin:crop=", base));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("faceplugin:detector=", base));
    assertThrows(IllegalArgumentException.class,
        () -> Variant.parse("faceplugin:detector=mobilefacenet-128", base).applyTo(manifest), "a recognizer is no detector");
    assertThrows(ModelException.class, () -> Variant.parse("faceplugin:detector=nope", base).applyTo(manifest));
  }

  @Test
  @DisplayName(":centre and :nocentre set the centre switch; :centre needs a manifest centre outside --halves")
  void parsesCentreSwitches() {
    PipelineOptions base = PipelineOptions.defaults();
    ModelManifest manifest = TestData.manifest();
    Variant plain = Variant.parse("faceplugin", base);
    Variant c = Variant.parse("faceplugin:centre:flip", base);
    Variant off = Variant.parse("faceplugin:nocentre", base);
    assertEquals(null, plain.centre());
    assertEquals("faceplugin+flip+centre", c.label());
    assertEquals("faceplugin+flip", c.embeddingLabel(), "centred and uncentred variants share one cache file");
    assertEquals("faceplugin-centre", off.label());
    assertEquals("faceplugin", off.embeddingLabel());
    assertTrue(c.centred(manifest));
    assertFalse(off.centred(manifest));
    assertEquals(manifest.profile("faceplugin").centre() != null, plain.centred(manifest), "the profile's own centre, if any");
    assertEquals(null, off.applyTo(manifest).profile("faceplugin").centre(), ":nocentre drops the manifest's centre");
    ModelManifest without = manifest.withProfile(manifest.profile("faceplugin").withCentre(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.checkCentre(without));
    assertTrue(e.getMessage().contains("only --halves fits one"), e.getMessage());
    c.withoutCentre().checkCentre(without);
  }

  @Test
  @DisplayName("a report's file name stays short however many variants are compared, and differs per set of variants")
  void reportNames() {
    assertEquals("halves-14-a_b.json", HalvesEvaluation.reportName(14, java.util.List.of("a", "b")));
    java.util.List<String> many = java.util.Collections.nCopies(12, "yunet-mobilefacenet+five=eyes6mouthouter");
    String name = HalvesEvaluation.reportName(14, many);
    assertTrue(name.length() < 120, name);
    assertTrue(name.startsWith("halves-14-yunet-mobilefacenet+five=eyes6mouthouter_and-11-more-"), name);
    java.util.List<String> other = new java.util.ArrayList<>(many);
    other.set(11, "faceplugin");
    assertFalse(name.equals(HalvesEvaluation.reportName(14, other)));
  }
}
