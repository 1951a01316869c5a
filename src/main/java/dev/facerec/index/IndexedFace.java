package dev.facerec.index;

import com.github.jelmerk.hnswlib.core.Item;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

/**
 * One stored face embedding as the index holds it: the hnswlib {@link Item} keyed by face id.
 *
 * <p>The vector array is not copied here; {@link HnswShard} stores its own normalised copy, so a
 * caller may reuse its array after adding.
 */
public record IndexedFace(UUID faceId, UUID subjectId, float[] vector) implements Item<UUID, float[]> {

  public IndexedFace {
    Objects.requireNonNull(faceId, "faceId");
    Objects.requireNonNull(subjectId, "subjectId");
    Objects.requireNonNull(vector, "vector");
  }

  @Override
  public UUID id() {
    return faceId;
  }

  @Override
  public int dimensions() {
    return vector.length;
  }

  // Records compare arrays by identity; compare contents instead.
  @Override
  public boolean equals(Object o) {
    return o instanceof IndexedFace f
        && faceId.equals(f.faceId)
        && subjectId.equals(f.subjectId)
        && Arrays.equals(vector, f.vector);
  }

  @Override
  public int hashCode() {
    return Objects.hash(faceId, subjectId, Arrays.hashCode(vector));
  }

  @Override
  public String toString() {
    return "IndexedFace[faceId=" + faceId + ", subjectId=" + subjectId + ", dim=" + vector.length + "]";
  }
}
