package dev.facerec.recognition;

import dev.facerec.pipeline.FacePipeline;
import dev.facerec.store.GalleryStore.StoredEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A subject's faces checked against each other: a face whose mean similarity to the others is below the
 * 1:1 threshold does not look like them (a wrong person enrolled, or a very poor image). With one face
 * there is nothing to compare: no figures, no outlier.
 */
public final class Consistency {
  private Consistency() {}

  public record FaceCheck(UUID faceId, Double meanSimilarity, Double minSimilarity, boolean outlier) {}

  public static List<FaceCheck> check(List<StoredEmbedding> faces, double threshold) {
    List<FaceCheck> out = new ArrayList<>(faces.size());
    for (int i = 0; i < faces.size(); i++) {
      if (faces.size() < 2) {
        out.add(new FaceCheck(faces.get(i).faceId(), null, null, false));
        continue;
      }
      double sum = 0;
      double min = 1;
      for (int j = 0; j < faces.size(); j++) {
        if (i != j) {
          double sim = FacePipeline.cosine(faces.get(i).vector(), faces.get(j).vector());
          sum += sim;
          min = Math.min(min, sim);
        }
      }
      double mean = sum / (faces.size() - 1);
      out.add(new FaceCheck(faces.get(i).faceId(), mean, min, mean < threshold));
    }
    return out;
  }
}
