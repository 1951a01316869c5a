package dev.facerec.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.facerec.eval.SubjectTemplate.Rule;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SubjectTemplate turns a subject's enrolled faces into one score by the best face, the top-two mean or the centroid")
class SubjectTemplateTest {
  private static final double S = Math.sqrt(0.5);

  @Test
  @DisplayName("the centroid is the normalised mean of the normalised faces, whatever their lengths")
  void centroidOfKnownVectors() {
    float[] c = SubjectTemplate.centroid(List.of(new float[] {3, 0, 0}, new float[] {0, 0.5f, 0}));
    assertArrayEquals(new float[] {(float) S, (float) S, 0}, c, 1e-6f);
    float[] three = SubjectTemplate.centroid(List.of(new float[] {1, 0}, new float[] {1, 0}, new float[] {0, 1}));
    double n = Math.sqrt(4 + 1);
    assertArrayEquals(new float[] {(float) (2 / n), (float) (1 / n)}, three, 1e-6f);
  }

  @Test
  @DisplayName("the top-two rule averages the two highest face scores; one face scores itself; best is the maximum")
  void topTwoMeanOfKnownScores() {
    assertEquals(0.8, SubjectTemplate.aggregate(Rule.TOP2, new double[] {0.5, 0.9, 0.7}), 1e-12);
    assertEquals(0.6, SubjectTemplate.aggregate(Rule.TOP2, new double[] {0.6, 0.6, 0.1}), 1e-12);
    assertEquals(0.42, SubjectTemplate.aggregate(Rule.TOP2, new double[] {0.42}), 1e-12);
    assertEquals(0.9, SubjectTemplate.aggregate(Rule.BEST, new double[] {0.5, 0.9, 0.7}), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> SubjectTemplate.aggregate(Rule.CENTROID, new double[] {1}));
  }

  @Test
  @DisplayName("a probe scores the best face, the mean of the two best faces, or its cosine to the centroid")
  void scoresAProbeByEachRule() {
    SubjectTemplate t = new SubjectTemplate(List.of(new float[] {1, 0, 0}, new float[] {0, 1, 0}, new float[] {0, 0, 1}));
    float[] probe = {1, 1, 0}; // cosines 0.707, 0.707, 0
    assertArrayEquals(new double[] {S, S, 0}, t.faceScores(probe), 1e-6);
    assertEquals(S, t.score(Rule.BEST, probe), 1e-6);
    assertEquals(S, t.score(Rule.TOP2, probe), 1e-6);
    assertEquals(2 / Math.sqrt(6), t.score(Rule.CENTROID, probe), 1e-6); // centroid (1,1,1)/sqrt3
    float[] onAxis = {0, 0, 2};
    assertEquals(1, t.score(Rule.BEST, onAxis), 1e-6);
    assertEquals(0.5, t.score(Rule.TOP2, onAxis), 1e-6);
    assertEquals(1 / Math.sqrt(3), t.score(Rule.CENTROID, onAxis), 1e-6);
  }

  @Test
  @DisplayName("rule names parse from the command line and unknown ones are refused")
  void parsesRuleNames() {
    assertEquals(Rule.CENTROID, Rule.parse(" Centroid"));
    assertEquals(Rule.TOP2, Rule.parse("top2"));
    assertThrows(IllegalArgumentException.class, () -> Rule.parse("mean"));
    assertThrows(IllegalArgumentException.class, () -> new SubjectTemplate(List.of()));
  }
}
