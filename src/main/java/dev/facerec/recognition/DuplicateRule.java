package dev.facerec.recognition;

import dev.facerec.bus.SearchResult;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An enrollment is a duplicate identity when the new face already matches a different subject of the
 * collection at the 1:N threshold: the new face meets every subject, so the 1:1 threshold would flag
 * look-alikes in any large gallery. Faces of the same subject never count.
 */
public final class DuplicateRule {
  private DuplicateRule() {}

  /** The best hit of another subject at or above {@code threshold}, subjects scored by their best face, if any. */
  public static Optional<SearchResult.Hit> conflict(List<SearchResult.Hit> hits, UUID subjectId, double threshold) {
    return conflict(hits, subjectId, threshold, SubjectScore.BEST_FACE);
  }

  /** The hit of the best-scoring other subject at or above {@code threshold}, subjects scored as identify scores them. */
  public static Optional<SearchResult.Hit> conflict(List<SearchResult.Hit> hits, UUID subjectId, double threshold, SubjectScore score) {
    return hits.stream()
        .filter(h -> !h.subjectId().equals(subjectId) && score.of(h) >= threshold)
        .max((a, b) -> Float.compare(score.of(a), score.of(b)));
  }
}
