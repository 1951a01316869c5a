package dev.facerec.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down guessing: after {@code freeFailures} failed authentications from one address, that address
 * must wait 1 s, then 2 s, 4 s... (doubling with each further failure, capped) before any credential from
 * it is even looked at. Failures are forgotten after a quiet period of {@link #FORGET_AFTER_MS}. Plain class,
 * thread-safe, bounded in memory.
 */
public final class AuthThrottle {
  static final long FORGET_AFTER_MS = 15 * 60_000L;
  private static final int MAX_ADDRESSES = 100_000;

  private final int freeFailures;
  private final long maxBackoffMs;
  private final LongSupplier clock;
  private final Map<String, Entry> byAddress = new ConcurrentHashMap<>();

  private static final class Entry {
    int failures;
    long lastFailureMs;
    long blockedUntilMs;
  }

  public AuthThrottle(int freeFailures, int maxBackoffSeconds, LongSupplier clockMillis) {
    this.freeFailures = freeFailures;
    this.maxBackoffMs = maxBackoffSeconds * 1000L;
    this.clock = clockMillis;
  }

  /** Seconds this address must still wait (0: it may try). */
  public long retryAfterSeconds(String address) {
    Entry e = byAddress.get(address);
    if (e == null) {
      return 0;
    }
    synchronized (e) {
      long wait = e.blockedUntilMs - clock.getAsLong();
      return wait <= 0 ? 0 : (wait + 999) / 1000;
    }
  }

  /** Records a failed authentication; returns the seconds the address must now wait (0 while under the free count). */
  public long failed(String address) {
    long now = clock.getAsLong();
    if (byAddress.size() > MAX_ADDRESSES) {
      byAddress.values().removeIf(x -> now - x.lastFailureMs > FORGET_AFTER_MS);
      if (byAddress.size() > MAX_ADDRESSES) {
        byAddress.clear(); // a flood of addresses: forget rather than grow without bound
      }
    }
    Entry e = byAddress.computeIfAbsent(address, a -> new Entry());
    synchronized (e) {
      if (now - e.lastFailureMs > FORGET_AFTER_MS) {
        e.failures = 0;
      }
      e.failures++;
      e.lastFailureMs = now;
      int over = e.failures - freeFailures;
      if (over >= 0) {
        long backoff = Math.min(maxBackoffMs, 1000L << Math.min(over, 30));
        e.blockedUntilMs = now + backoff;
        return (backoff + 999) / 1000;
      }
      return 0;
    }
  }
}
