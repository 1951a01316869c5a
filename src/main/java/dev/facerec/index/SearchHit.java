package dev.facerec.index;

import java.util.UUID;

/**
 * One nearest-neighbour result.
 *
 * @param similarity cosine similarity of the face in [-1, 1]; 1 means the same direction
 * @param subjectSimilarity cosine similarity to the subject's centroid (its faces' unit-length mean); equal to
 *     {@code similarity} for a subject with one face
 */
public record SearchHit(UUID faceId, UUID subjectId, float similarity, float subjectSimilarity) {
  public SearchHit(UUID faceId, UUID subjectId, float similarity) {
    this(faceId, subjectId, similarity, similarity);
  }
}
