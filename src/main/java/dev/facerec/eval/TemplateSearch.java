package dev.facerec.eval;

import dev.facerec.eval.CohortNorm.Kind;
import dev.facerec.eval.SubjectTemplate.Rule;
import dev.facerec.pipeline.FacePipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Open-set search of one probe over enrolled subjects, decided by a template {@link Rule} and a {@link Kind} of
 * cohort normalization: the evaluation's model of what an index could do. A probe is scored once ({@link #score})
 * and every rule and normalization is read off that ({@link Scores#outcome}).
 */
public final class TemplateSearch {
  private final List<String> ids;
  private final List<SubjectTemplate> subjects;
  private final List<float[]> cohort;
  private final int cohortTop;
  private final CohortNorm.Stats[][] subjectStats; // [rule][subject], null without a cohort

  /**
   * @param subjects subject id -> template, in gallery order (ties go to the earlier subject)
   * @param cohort embeddings of identities neither enrolled nor probing; may be empty when only {@code none} is asked
   * @param cohortTop k of {@code cohort-top}
   */
  public TemplateSearch(Map<String, SubjectTemplate> subjects, List<float[]> cohort, int cohortTop) {
    if (subjects.isEmpty()) {
      throw new IllegalArgumentException("no subjects to search");
    }
    this.ids = new ArrayList<>(subjects.keySet());
    this.subjects = new ArrayList<>(subjects.values());
    this.cohort = List.copyOf(cohort);
    this.cohortTop = cohortTop;
    if (cohort.isEmpty()) {
      subjectStats = null;
    } else {
      subjectStats = new CohortNorm.Stats[Rule.values().length][this.subjects.size()];
      for (int j = 0; j < this.subjects.size(); j++) {
        SubjectTemplate t = this.subjects.get(j);
        double[][] byRule = new double[Rule.values().length][cohort.size()];
        for (int c = 0; c < cohort.size(); c++) {
          double[] faces = t.faceScores(cohort.get(c));
          for (Rule r : Rule.values()) {
            byRule[r.ordinal()][c] = r == Rule.CENTROID ? t.score(r, cohort.get(c)) : SubjectTemplate.aggregate(r, faces);
          }
        }
        for (Rule r : Rule.values()) {
          subjectStats[r.ordinal()][j] = CohortNorm.Stats.of(byRule[r.ordinal()], cohortTop);
        }
      }
    }
  }

  public int subjectCount() {
    return subjects.size();
  }

  public int cohortSize() {
    return cohort.size();
  }

  /** The subject's template statistics against the cohort under {@code rule}. */
  CohortNorm.Stats subjectStats(Rule rule, String id) {
    return subjectStats == null ? null : subjectStats[rule.ordinal()][ids.indexOf(id)];
  }

  /** Scores the probe against every subject under every rule, and against the cohort. */
  public Scores score(float[] probe) {
    double[][] raw = new double[Rule.values().length][subjects.size()];
    for (int j = 0; j < subjects.size(); j++) {
      SubjectTemplate t = subjects.get(j);
      double[] faces = t.faceScores(probe);
      raw[Rule.BEST.ordinal()][j] = SubjectTemplate.aggregate(Rule.BEST, faces);
      raw[Rule.TOP2.ordinal()][j] = SubjectTemplate.aggregate(Rule.TOP2, faces);
      raw[Rule.CENTROID.ordinal()][j] = t.score(Rule.CENTROID, probe);
    }
    CohortNorm.Stats probeStats = null;
    if (!cohort.isEmpty()) {
      double[] c = new double[cohort.size()];
      for (int i = 0; i < c.length; i++) {
        c[i] = FacePipeline.cosine(probe, cohort.get(i));
      }
      probeStats = CohortNorm.Stats.of(c, cohortTop);
    }
    return new Scores(raw, probeStats);
  }

  /** One probe's raw scores, from which each rule and normalization decides. */
  public final class Scores {
    private final double[][] raw;
    private final CohortNorm.Stats probeStats;

    private Scores(double[][] raw, CohortNorm.Stats probeStats) {
      this.raw = raw;
      this.probeStats = probeStats;
    }

    /** The best subject and its normalized score. */
    public Hit top(Rule rule, Kind kind) {
      if (kind.needsCohort() && probeStats == null) {
        throw new IllegalStateException(kind.id() + " needs a cohort");
      }
      double[] s = raw[rule.ordinal()];
      double best = Double.NEGATIVE_INFINITY;
      int at = -1;
      for (int j = 0; j < s.length; j++) {
        double v = CohortNorm.apply(kind, s[j], probeStats, subjectStats == null ? null : subjectStats[rule.ordinal()][j]);
        if (v > best) {
          best = v;
          at = j;
        }
      }
      return new Hit(at < 0 ? null : ids.get(at), best);
    }

    /** The probe's outcome: mated probes are right at rank 1 when the top subject is theirs. */
    public OpenSet.Probe outcome(Rule rule, Kind kind, String identity, boolean mated) {
      Hit h = top(rule, kind);
      return new OpenSet.Probe(mated, mated && identity.equals(h.subject()), h.score());
    }
  }

  /** The top subject of a search and its (normalized) score. */
  public record Hit(String subject, double score) {}
}
