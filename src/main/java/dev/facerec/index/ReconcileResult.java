package dev.facerec.index;

/**
 * What {@link HnswShard#reconcile} changed.
 *
 * @param added   ids that were in the truth but not in the index
 * @param removed ids that were in the index but not in the truth
 * @param updated ids present in both whose vector or subject differed, re-inserted from the truth
 */
public record ReconcileResult(int added, int removed, int updated) {

  /** True when the index already matched the truth. */
  public boolean unchanged() {
    return added == 0 && removed == 0 && updated == 0;
  }
}
