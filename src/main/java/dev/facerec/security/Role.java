package dev.facerec.security;

import java.util.Locale;

/** What a credential may do. {@link #ADMIN} includes every other role. */
public enum Role {
  /** Key management, health details, index status, and everything below. */
  ADMIN,
  /** Subjects and their faces: create, list, read, change, delete. */
  ENROLL,
  /** Identify (1:N) and verify (1:1). */
  RECOGNIZE,
  /** Detect, over HTTP and on the /ws/detect WebSocket. */
  DETECT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named {@code s} (case-insensitive), or null. */
  public static Role parse(String s) {
    if (s == null) {
      return null;
    }
    for (Role r : values()) {
      if (r.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return r;
      }
    }
    return null;
  }
}
