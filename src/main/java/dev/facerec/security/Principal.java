package dev.facerec.security;

import java.util.Set;

/**
 * An authenticated caller.
 *
 * @param id {@code key:<key id>} or {@code jwt:<subject>}; the only identity written to logs and the audit log
 * @param keyId the API key id, or null for a JWT
 * @param roles what it may do
 * @param collection the one collection it may touch, or null for all
 * @param expiresAtEpochSeconds when its token expires (JWT), or 0
 */
public record Principal(String id, String keyId, Set<Role> roles, String collection, long expiresAtEpochSeconds) {
  public boolean has(Role role) {
    return roles.contains(role) || roles.contains(Role.ADMIN);
  }

  public boolean scoped() {
    return collection != null;
  }

  /** Whether it may touch this collection. */
  public boolean mayUse(String c) {
    return collection == null || collection.equals(c);
  }
}
