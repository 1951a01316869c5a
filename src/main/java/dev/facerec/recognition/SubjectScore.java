package dev.facerec.recognition;

import dev.facerec.bus.SearchResult;
import java.util.Locale;

/**
 * How a subject enrolled with several faces is scored against a probe. {@link #CENTROID}: the cosine to the
 * unit-length mean of its faces, which on LFW turned fewer genuine people away at the same FPIR than the best face
 * (docs/accuracy.md, "Templates and score normalization"); {@link #BEST_FACE}: its most similar face. A subject with one
 * face scores that face either way.
 */
public enum SubjectScore {
  CENTROID("centroid"),
  BEST_FACE("best");

  private final String id;

  SubjectScore(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The subject's score carried by one of its hits. */
  public float of(SearchResult.Hit h) {
    return this == CENTROID ? h.subjectSimilarity() : h.similarity();
  }

  /** {@code centroid} or {@code best}; null for anything else. */
  public static SubjectScore parse(String s) {
    for (SubjectScore v : values()) {
      if (v.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    return null;
  }
}
