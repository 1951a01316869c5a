package dev.facerec.eval;

import dev.facerec.pipeline.FacePipeline;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A subject enrolled with one or more faces, scored against a probe by one of the {@link Rule}s an index could
 * apply. Evaluation only: the service computes its {@link Rule#CENTROID} in the index shard (index/HnswShard), the
 * {@link Rule#BEST} rule with SUBJECT_SCORE=best.
 */
public final class SubjectTemplate {
  /** How the subject's faces become one score. */
  public enum Rule {
    /** The best cosine over the subject's faces (what the service does today). */
    BEST("best"),
    /** The mean of the two best cosines; a subject with one face scores that face's cosine. */
    TOP2("top2"),
    /** The cosine to the fused template: the L2-normalised mean of the L2-normalised faces. */
    CENTROID("centroid");

    private final String id;

    Rule(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public static Rule parse(String s) {
      for (Rule r : values()) {
        if (r.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return r;
        }
      }
      throw new IllegalArgumentException("unknown template '" + s + "' (best, top2 or centroid)");
    }
  }

  private final List<float[]> faces;
  private final float[] centroid;

  public SubjectTemplate(List<float[]> faces) {
    if (faces.isEmpty()) {
      throw new IllegalArgumentException("a subject template needs at least one face");
    }
    this.faces = List.copyOf(faces);
    this.centroid = centroid(faces);
  }

  public int faceCount() {
    return faces.size();
  }

  /** The probe's cosine to each enrolled face, in enrolment order. */
  public double[] faceScores(float[] probe) {
    double[] s = new double[faces.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = FacePipeline.cosine(probe, faces.get(i));
    }
    return s;
  }

  /** The subject's score for the probe under {@code rule}. */
  public double score(Rule rule, float[] probe) {
    return rule == Rule.CENTROID ? FacePipeline.cosine(probe, centroid) : aggregate(rule, faceScores(probe));
  }

  /** {@link Rule#BEST} or {@link Rule#TOP2} over already computed face scores. */
  public static double aggregate(Rule rule, double[] faceScores) {
    return switch (rule) {
      case BEST -> best(faceScores);
      case TOP2 -> topTwoMean(faceScores);
      case CENTROID -> throw new IllegalArgumentException("the centroid rule scores the fused vector, not face scores");
    };
  }

  static double best(double[] scores) {
    double b = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      b = Math.max(b, s);
    }
    return b;
  }

  static double topTwoMean(double[] scores) {
    if (scores.length == 1) {
      return scores[0];
    }
    double first = Double.NEGATIVE_INFINITY;
    double second = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      if (s > first) {
        second = first;
        first = s;
      } else if (s > second) {
        second = s;
      }
    }
    return (first + second) / 2;
  }

  /** The L2-normalised mean of the L2-normalised vectors (each face weighs the same, whatever its norm). */
  static float[] centroid(List<float[]> vectors) {
    int d = vectors.get(0).length;
    double[] sum = new double[d];
    for (float[] v : vectors) {
      if (v.length != d) {
        throw new IllegalArgumentException("embeddings of different lengths: " + d + " and " + v.length);
      }
      double n = norm(v);
      for (int i = 0; i < d && n > 0; i++) {
        sum[i] += v[i] / n;
      }
    }
    double n = Math.sqrt(Arrays.stream(sum).map(x -> x * x).sum());
    float[] c = new float[d];
    for (int i = 0; i < d && n > 0; i++) {
      c[i] = (float) (sum[i] / n);
    }
    return c;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }
}
