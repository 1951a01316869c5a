package dev.facerec.security;

import dev.facerec.config.AppConfig;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request budgets per window (resilience4j rate limiters, never waiting): one per principal, sized by its
 * most generous role, and one per client address for requests without credentials. One instance per node.
 */
public final class RateLimits {
  private static final int MAX_LIMITERS = 100_000;
  private final AppConfig.RateLimits config;
  private final Map<String, AtomicRateLimiter> limiters = new ConcurrentHashMap<>();

  public RateLimits(AppConfig.RateLimits config) {
    this.config = config;
  }

  /** 0 when the request may go on, else the seconds until the budget refills (for Retry-After). */
  public long acquire(Principal p) {
    int limit = 0;
    for (Role r : p.roles()) {
      limit = Math.max(limit, config.perRole().getOrDefault(r.wire(), 1));
    }
    return acquire("p:" + p.id(), limit);
  }

  /** For a request without credentials, by client address. */
  public long acquireAnonymous(String address) {
    return acquire("a:" + address, config.anonymous());
  }

  private long acquire(String name, int limit) {
    if (limiters.size() > MAX_LIMITERS) {
      limiters.clear(); // bounded memory under an address flood; budgets restart
    }
    AtomicRateLimiter rl = limiters.computeIfAbsent(name, n -> new AtomicRateLimiter(n, RateLimiterConfig.custom()
        .limitForPeriod(limit)
        .limitRefreshPeriod(Duration.ofSeconds(config.windowSeconds()))
        .timeoutDuration(Duration.ZERO)
        .build()));
    if (rl.acquirePermission()) {
      return 0;
    }
    long nanos = rl.getDetailedMetrics().getNanosToWait();
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /** Forgets a principal's budget (its key was revoked). */
  public void forget(String principalId) {
    limiters.remove("p:" + principalId);
  }
}
