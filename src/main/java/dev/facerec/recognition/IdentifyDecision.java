package dev.facerec.recognition;

import dev.facerec.bus.SearchResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The open-set decision for one probe face: rank subjects by their score ({@link SubjectScore}: the cosine to their
 * faces' centroid, or their best face's), then
 * {@code match} when the best is at or above the threshold and leads the runner-up by at least the minimum
 * margin; {@code unknown} otherwise ({@code ambiguous} when two subjects are both above and too close).
 * A hit whose subject has no name (deleted meanwhile) is left out.
 */
public record IdentifyDecision(Outcome outcome, UUID subjectId, Float similarity, Float margin, List<Candidate> candidates) {
  public enum Outcome { MATCH, UNKNOWN, AMBIGUOUS }

  public record Candidate(UUID subjectId, String name, float similarity) {}

  public static IdentifyDecision decide(List<SearchResult.Hit> hits, Map<UUID, String> names, int limit, double threshold, double minMargin) {
    return decide(hits, names, limit, threshold, minMargin, SubjectScore.BEST_FACE);
  }

  public static IdentifyDecision decide(List<SearchResult.Hit> hits, Map<UUID, String> names, int limit, double threshold, double minMargin,
      SubjectScore score) {
    Map<UUID, Float> bySubject = new LinkedHashMap<>();
    for (SearchResult.Hit h : hits) {
      if (names.containsKey(h.subjectId())) {
        bySubject.merge(h.subjectId(), score.of(h), Math::max);
      }
    }
    List<Candidate> ranked = bySubject.entrySet().stream()
        .sorted((a, b) -> Float.compare(b.getValue(), a.getValue()))
        .limit(Math.max(limit, 2))
        .map(e -> new Candidate(e.getKey(), names.get(e.getKey()), e.getValue()))
        .toList();
    Float best = ranked.isEmpty() ? null : ranked.get(0).similarity();
    Float margin = ranked.size() < 2 ? null : ranked.get(0).similarity() - ranked.get(1).similarity();
    List<Candidate> shown = ranked.subList(0, Math.min(limit, ranked.size()));
    if (best == null || best < threshold) {
      return new IdentifyDecision(Outcome.UNKNOWN, null, best, margin, shown);
    }
    if (margin != null && margin < minMargin) {
      return new IdentifyDecision(Outcome.AMBIGUOUS, null, best, margin, shown);
    }
    return new IdentifyDecision(Outcome.MATCH, ranked.get(0).subjectId(), best, margin, shown);
  }
}
