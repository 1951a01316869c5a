package dev.facerec.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
  long now = 1_000_000;

  @Test
  @DisplayName("after the free failures an address waits 1, 2, 4 s..., capped; other addresses are not affected")
  void backsOffExponentially() {
    AuthThrottle t = new AuthThrottle(3, 10, () -> now);
    assertEquals(0, t.failed("a"));
    assertEquals(0, t.failed("a"));
    assertEquals(0, t.retryAfterSeconds("a"));
    assertEquals(1, t.failed("a"));
    assertEquals(1, t.retryAfterSeconds("a"));
    assertEquals(2, t.failed("a"));
    assertEquals(4, t.failed("a"));
    assertEquals(8, t.failed("a"));
    assertEquals(10, t.failed("a"), "capped");
    assertEquals(0, t.retryAfterSeconds("b"));
    now += 10_000;
    assertEquals(0, t.retryAfterSeconds("a"));
    now += AuthThrottle.FORGET_AFTER_MS + 1;
    assertEquals(0, t.failed("a"), "forgotten after a quiet period");
  }

  @Test
  void keysAreLongRandomAndHashedWithAPublicPrefixId() {
    String k = ApiKeys.generate();
    assertTrue(k.matches("fr_[A-Za-z0-9_-]{43}"), k);
    assertEquals(k.substring(3, 11), ApiKeys.idOf(k));
    assertEquals(64, ApiKeys.hash(k).length());
    assertTrue(!ApiKeys.generate().equals(k));
    assertTrue(ApiKeys.idOf("an operator chosen key of enough length!").startsWith("op"));
  }
}
