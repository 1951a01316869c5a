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
  private final java.util.function.IntSupplier apiNodes;

  public RateLimits(AppConfig.RateLimits config) {
    this(config, () -> 1);
  }

  /**
   * In a cluster each of the {@code apiNodes} api nodes holds an equal share of every budget, so a client
   * spread over the nodes by a load balancer gets the configured budget in total (documented in
   * docs/cluster.md: a client pinned to one node gets only that node's share).
   */
  public RateLimits(AppConfig.RateLimits config, java.util.function.IntSupplier apiNodes) {
    this.config = config;
    this.apiNodes = apiNodes;
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

  private long acquire(String principal, int clusterLimit) {
    int nodes = Math.max(1, apiNodes.getAsInt());
    int limit = Math.max(1, (clusterLimit + nodes - 1) / nodes);
    String name = principal + "|" + nodes;
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
    limiters.keySet().removeIf(k -> k.startsWith("p:" + principalId + "|"));
  }
}
