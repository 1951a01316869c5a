package dev.facerec.recognition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.SearchResult.Hit;
import dev.facerec.store.GalleryStore.StoredEmbedding;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RulesTest {
  static final UUID A = UUID.randomUUID();
  static final UUID B = UUID.randomUUID();
  static final UUID C = UUID.randomUUID();
  static final Map<UUID, String> NAMES = Map.of(A, "a", B, "b", C, "c");

  static Hit hit(UUID subject, float sim) {
    return new Hit(UUID.randomUUID(), subject, sim);
  }

  @Test
  @DisplayName("identify: the best subject at or above the threshold is a match; below it, unknown")
  void matchesAtThreshold() {
    IdentifyDecision d = IdentifyDecision.decide(List.of(hit(A, 0.5f), hit(B, 0.3f)), NAMES, 5, 0.5, 0);
    assertEquals(IdentifyDecision.Outcome.MATCH, d.outcome());
    assertEquals(A, d.subjectId());
    assertEquals(0.2f, d.margin(), 1e-6);
    IdentifyDecision below = IdentifyDecision.decide(List.of(hit(A, 0.4999f)), NAMES, 5, 0.5, 0);
    assertEquals(IdentifyDecision.Outcome.UNKNOWN, below.outcome());
    assertNull(below.subjectId());
    assertEquals(IdentifyDecision.Outcome.UNKNOWN, IdentifyDecision.decide(List.of(), NAMES, 5, 0.5, 0).outcome());
  }

  @Test
  @DisplayName("identify and the duplicate check by centroid: a subject scores its centroid, not its best face")
  void centroidScores() {
    // A's best face is 0.62 but its centroid only 0.48; B has one face at 0.55 (its own score).
    List<Hit> hits = List.of(new Hit(UUID.randomUUID(), A, 0.62f, 0.48f), new Hit(UUID.randomUUID(), A, 0.41f, 0.48f),
        new Hit(UUID.randomUUID(), B, 0.55f, 0.55f));
    IdentifyDecision byCentroid = IdentifyDecision.decide(hits, NAMES, 5, 0.5, 0, SubjectScore.CENTROID);
    assertEquals(IdentifyDecision.Outcome.MATCH, byCentroid.outcome());
    assertEquals(B, byCentroid.subjectId());
    assertEquals(0.55f, byCentroid.similarity(), 1e-6);
    assertEquals(0.48f, byCentroid.candidates().get(1).similarity(), 1e-6);
    IdentifyDecision byBest = IdentifyDecision.decide(hits, NAMES, 5, 0.5, 0, SubjectScore.BEST_FACE);
    assertEquals(A, byBest.subjectId());
    assertEquals(0.62f, byBest.similarity(), 1e-6);
    assertEquals(B, DuplicateRule.conflict(hits, C, 0.5, SubjectScore.CENTROID).orElseThrow().subjectId());
    assertEquals(A, DuplicateRule.conflict(hits, C, 0.5, SubjectScore.BEST_FACE).orElseThrow().subjectId());
    assertTrue(DuplicateRule.conflict(hits, B, 0.5, SubjectScore.CENTROID).isEmpty(), "A's centroid is below the threshold");
    assertEquals(SubjectScore.CENTROID, SubjectScore.parse(" Centroid "));
    assertNull(SubjectScore.parse("mean"));
  }

  @Test
  @DisplayName("identify: subjects rank by their best face; several faces of one subject count once")
  void ranksSubjectsByBestFace() {
    IdentifyDecision d = IdentifyDecision.decide(List.of(hit(B, 0.6f), hit(A, 0.7f), hit(B, 0.65f), hit(A, 0.2f), hit(C, 0.1f)),
        NAMES, 2, 0.5, 0);
    assertEquals(List.of(A, B), d.candidates().stream().map(IdentifyDecision.Candidate::subjectId).toList());
    assertEquals(0.65f, d.candidates().get(1).similarity());
    assertEquals(0.05f, d.margin(), 1e-6);
  }

  @Test
  @DisplayName("identify: two subjects above the threshold and closer than the margin are ambiguous, even when only one is listed")
  void ambiguousWhenTooClose() {
    IdentifyDecision d = IdentifyDecision.decide(List.of(hit(A, 0.70f), hit(B, 0.69f)), NAMES, 1, 0.5, 0.05);
    assertEquals(IdentifyDecision.Outcome.AMBIGUOUS, d.outcome());
    assertEquals(1, d.candidates().size());
    assertEquals(IdentifyDecision.Outcome.MATCH, IdentifyDecision.decide(List.of(hit(A, 0.70f), hit(B, 0.60f)), NAMES, 1, 0.5, 0.05).outcome());
  }

  @Test
  @DisplayName("identify: a subject deleted between search and name lookup is left out")
  void deletedSubjectsAreLeftOut() {
    IdentifyDecision d = IdentifyDecision.decide(List.of(hit(UUID.randomUUID(), 0.9f), hit(A, 0.6f)), NAMES, 5, 0.5, 0);
    assertEquals(A, d.subjectId());
    assertEquals(1, d.candidates().size());
  }

  @Test
  @DisplayName("duplicate: another subject at or above the 1:N threshold conflicts; the same subject never does")
  void duplicateRule() {
    assertTrue(DuplicateRule.conflict(List.of(hit(A, 0.99f)), A, 0.5).isEmpty());
    assertTrue(DuplicateRule.conflict(List.of(hit(B, 0.49f)), A, 0.5).isEmpty());
    assertEquals(C, DuplicateRule.conflict(List.of(hit(A, 0.99f), hit(B, 0.5f), hit(C, 0.8f)), A, 0.5).orElseThrow().subjectId());
  }

  @Test
  @DisplayName("consistency: the face unlike the others is the outlier; one face alone has no figures")
  void consistency() {
    float[] x = {1, 0, 0};
    float[] x2 = {0.95f, 0.3122f, 0};
    float[] y = {0, 0, 1};
    UUID odd = UUID.randomUUID();
    List<Consistency.FaceCheck> c = Consistency.check(List.of(new StoredEmbedding(UUID.randomUUID(), A, x),
        new StoredEmbedding(UUID.randomUUID(), A, x2), new StoredEmbedding(odd, A, y)), 0.4);
    assertEquals(List.of(false, false, true), c.stream().map(Consistency.FaceCheck::outlier).toList());
    assertEquals(odd, c.get(2).faceId());
    Consistency.FaceCheck alone = Consistency.check(List.of(new StoredEmbedding(odd, A, x)), 0.4).get(0);
    assertNull(alone.meanSimilarity());
    assertFalse(alone.outlier());
  }

  @Test
  @DisplayName("enrollment advice: another face is recommended until the subject has three")
  void enrollmentAdvice() {
    assertEquals(true, EnrollmentAdvice.of(1).getBoolean("moreFacesRecommended"));
    assertEquals(true, EnrollmentAdvice.of(2).getBoolean("moreFacesRecommended"));
    assertEquals(false, EnrollmentAdvice.of(3).getBoolean("moreFacesRecommended"));
    assertEquals(false, EnrollmentAdvice.of(7).getBoolean("moreFacesRecommended"));
    assertEquals(2, EnrollmentAdvice.of(2).getInteger("subjectFaceCount"));
  }
}
