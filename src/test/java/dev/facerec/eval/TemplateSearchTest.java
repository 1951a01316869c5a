package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.eval.CohortNorm.Kind;
import dev.facerec.eval.SubjectTemplate.Rule;
import dev.facerec.pipeline.FacePipeline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TemplateSearch decides a probe's top subject and score by template rule and cohort normalization")
class TemplateSearchTest {
  private static Map<String, SubjectTemplate> subjects(Object... idsAndFaces) {
    Map<String, SubjectTemplate> m = new LinkedHashMap<>();
    for (int i = 0; i < idsAndFaces.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<float[]> faces = (List<float[]>) idsAndFaces[i + 1];
      m.put((String) idsAndFaces[i], new SubjectTemplate(faces));
    }
    return m;
  }

  @Test
  @DisplayName("a probe between a subject's two faces is missed by the best-face rule and found by the centroid")
  void centroidFindsTheSubjectTheBestFaceMisses() {
    TemplateSearch search = new TemplateSearch(subjects(
        "a", List.of(new float[] {1, 0, 0}, new float[] {0, 1, 0}),
        "b", List.of(new float[] {0.9f, 0.436f, 0})), List.of(), 10);
    TemplateSearch.Scores s = search.score(new float[] {1, 1, 0});
    assertEquals("b", s.top(Rule.BEST, Kind.NONE).subject());
    assertEquals("b", s.top(Rule.TOP2, Kind.NONE).subject());
    TemplateSearch.Hit c = s.top(Rule.CENTROID, Kind.NONE);
    assertEquals("a", c.subject());
    assertEquals(1.0, c.score(), 1e-6);
    assertFalse(s.outcome(Rule.BEST, Kind.NONE, "a", true).rank1Correct());
    OpenSet.Probe right = s.outcome(Rule.CENTROID, Kind.NONE, "a", true);
    assertTrue(right.rank1Correct());
    assertEquals(1.0, right.best(), 1e-6);
    assertFalse(s.outcome(Rule.CENTROID, Kind.NONE, "a", false).rank1Correct()); // a stranger is never "right"
  }

  @Test
  @DisplayName("per-probe normalization is the probe's z-score against the cohort; cohort-top subtracts its top-k mean")
  void probeNormalizationOfKnownNumbers() {
    TemplateSearch search = new TemplateSearch(subjects(
        "a", List.of(new float[] {1, 0}), "b", List.of(new float[] {0, 1})),
        List.of(new float[] {1, 0}, new float[] {0, 1}, new float[] {1, 1}), 1);
    // cohort scores of the probe (1,0): 1, 0, 0.7071 -> mean 0.5690, population std 0.4169, top-1 mean 1
    double r = Math.sqrt(0.5);
    double mean = (1 + 0 + r) / 3;
    double std = Math.sqrt((Math.pow(1 - mean, 2) + mean * mean + Math.pow(r - mean, 2)) / 3);
    TemplateSearch.Scores s = search.score(new float[] {2, 0});
    TemplateSearch.Hit t = s.top(Rule.BEST, Kind.PROBE);
    assertEquals("a", t.subject());
    assertEquals((1 - mean) / std, t.score(), 1e-6);
    assertEquals(0.0, s.top(Rule.BEST, Kind.PROBE_TOP).score(), 1e-6);
    assertEquals(1.0, s.top(Rule.BEST, Kind.NONE).score(), 1e-6);
  }

  @Test
  @DisplayName("per-subject normalization discounts a subject that resembles the cohort, which can change the top subject")
  void subjectNormalizationChangesTheTopSubject() {
    float[] hub = {1, 1, 0};
    float[] plain = {0, 0.3f, 1};
    List<float[]> cohort = List.of(new float[] {1, 0, 0}, new float[] {0, 1, 0}, new float[] {0.6f, 0.8f, 0});
    TemplateSearch search = new TemplateSearch(subjects("hub", List.of(hub), "plain", List.of(plain)), cohort, 10);
    float[] probe = {0.6f, 0.6f, 0.5f};
    double zHub = zAgainst(cohort, hub, FacePipeline.cosine(probe, hub));
    double zPlain = zAgainst(cohort, plain, FacePipeline.cosine(probe, plain));
    assertTrue(FacePipeline.cosine(probe, hub) > FacePipeline.cosine(probe, plain)); // raw: the hub wins
    assertTrue(zPlain > zHub);
    TemplateSearch.Scores s = search.score(probe);
    assertEquals("hub", s.top(Rule.BEST, Kind.NONE).subject());
    TemplateSearch.Hit z = s.top(Rule.BEST, Kind.SUBJECT);
    assertEquals("plain", z.subject());
    assertEquals(zPlain, z.score(), 1e-6);
  }

  @Test
  @DisplayName("a subject's cohort statistics score each cohort face by the subject's own template rule")
  void subjectStatsFollowTheTemplateRule() {
    float[] f1 = {1, 0, 0};
    float[] f2 = {0, 1, 0};
    List<float[]> cohort = List.of(new float[] {1, 1, 0}, new float[] {1, 0, 1}, new float[] {0, 0, 1});
    TemplateSearch search = new TemplateSearch(subjects("s", List.of(f1, f2)), cohort, 10);
    double r = Math.sqrt(0.5);
    // per cohort face: cosines to f1, f2 = (r, r), (r, 0), (0, 0); to the centroid (1,1,0)/sqrt2 = 1, 0.5, 0
    assertEquals((r + r + 0) / 3, search.subjectStats(Rule.BEST, "s").mean(), 1e-6);
    assertEquals((r + r / 2 + 0) / 3, search.subjectStats(Rule.TOP2, "s").mean(), 1e-6);
    assertEquals((1 + 0.5 + 0) / 3, search.subjectStats(Rule.CENTROID, "s").mean(), 1e-6);
  }

  @Test
  @DisplayName("a cohort normalization without a cohort is refused rather than silently skipped")
  void cohortNormNeedsACohort() {
    TemplateSearch search = new TemplateSearch(subjects("a", List.of(new float[] {1, 0})), List.of(), 10);
    assertThrows(IllegalStateException.class, () -> search.score(new float[] {1, 0}).top(Rule.BEST, Kind.PROBE));
  }

  private static double zAgainst(List<float[]> cohort, float[] face, double s) {
    double[] c = cohort.stream().mapToDouble(v -> FacePipeline.cosine(face, v)).toArray();
    return CohortNorm.Stats.of(c, 10).z(s);
  }
}
