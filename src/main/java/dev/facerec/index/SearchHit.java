package dev.facerec.index;

import java.util.UUID;

/**
 * One nearest-neighbour result.
 *
 * @param similarity cosine similarity in [-1, 1]; 1 means the same direction
 */
public record SearchHit(UUID faceId, UUID subjectId, float similarity) {}
