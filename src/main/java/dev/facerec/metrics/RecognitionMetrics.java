package dev.facerec.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Counts what recognition decided, so match rates can be watched: a sudden rise of {@code unknown} or a
 * drift of accepted similarities towards the threshold is the first sign of a camera, lighting or model
 * problem.
 */
public final class RecognitionMetrics {
  public static final String IDENTIFY_DECISIONS = "facerec.identify.decisions";
  public static final String MATCH_SIMILARITY = "facerec.identify.match.similarity";
  public static final String VERIFY_DECISIONS = "facerec.verify.decisions";
  public static final String ENROLLMENTS = "facerec.enrollments";
  public static final String INFERENCE_IN_FLIGHT = "facerec.inference.in.flight";
  /** On an inference node: requests it computed ({@code outcome} ok or a failure code), and refused when full. */
  public static final String INFERENCE_SERVED = "facerec.inference.served";
  /** On an api node: inference requests by the node that answered them ({@code node}) and outcome. */
  public static final String INFERENCE_ROUTED = "facerec.inference.routed";
  public static final String INFERENCE_CAPACITY = "facerec.inference.capacity";
  public static final String INDEX_APPLIED_SEQ = "facerec.index.applied.seq";
  public static final String CLUSTER_MEMBERS = "facerec.cluster.members";
  /** Requests (and WebSocket frames) refused to shed load or because a dependency is away, by code. */
  public static final String REQUESTS_SHED = "facerec.requests.shed";
  /** 1 while this node's last database ping succeeded. */
  public static final String DATABASE_UP = "facerec.database.up";

  public enum Decision { MATCH, UNKNOWN, AMBIGUOUS }

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.atomic.LongAdder> shedSince = new ConcurrentHashMap<>();
  private final DistributionSummary matchSimilarity;

  public RecognitionMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.matchSimilarity = DistributionSummary.builder(MATCH_SIMILARITY)
        .description("cosine similarity of accepted identify matches")
        .serviceLevelObjectives(0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void identified(Decision decision, double similarity) {
    counter(IDENTIFY_DECISIONS, "decision", decision.name().toLowerCase()).increment();
    if (decision == Decision.MATCH) {
      matchSimilarity.record(similarity);
    }
  }

  public void verified(boolean match) {
    counter(VERIFY_DECISIONS, "match", Boolean.toString(match)).increment();
  }

  /** {@code outcome} is {@code enrolled} or the failure code that refused the image. */
  public void enrollment(String outcome) {
    counter(ENROLLMENTS, "outcome", outcome).increment();
  }

  /** A request or frame refused with {@code code} (OVERLOADED, RATE_LIMITED, DATABASE_UNAVAILABLE...): counted, summarised in the log. */
  public void shed(String code) {
    counter(REQUESTS_SHED, "code", code).increment();
    shedSince.computeIfAbsent(code, k -> new java.util.concurrent.atomic.LongAdder()).increment();
  }

  /** Shed requests by code since the last call (for the periodic log summary); resets the counts. */
  public Map<String, Long> takeShed() {
    Map<String, Long> out = new java.util.TreeMap<>();
    shedSince.forEach((code, n) -> {
      long v = n.sumThenReset();
      if (v > 0) {
        out.put(code, v);
      }
    });
    return out;
  }

  public void gauge(String name, Supplier<Number> value) {
    Gauge.builder(name, value).register(registry);
  }

  public void inferenceServed(String node, String outcome) {
    counters.computeIfAbsent(INFERENCE_SERVED + "|" + node + "|" + outcome, k -> Counter.builder(INFERENCE_SERVED)
        .description("inference requests this node received, by outcome (ok, OVERLOADED, ...)")
        .tag("node", node).tag("outcome", outcome).register(registry)).increment();
  }

  public void inferenceRouted(String node, String outcome) {
    counters.computeIfAbsent(INFERENCE_ROUTED + "|" + node + "|" + outcome, k -> Counter.builder(INFERENCE_ROUTED)
        .description("inference requests this api node sent, by the node that answered and the outcome")
        .tag("node", node).tag("outcome", outcome).register(registry)).increment();
  }

  private Counter counter(String name, String tag, String value) {
    return counters.computeIfAbsent(name + "|" + value, k -> Counter.builder(name).tag(tag, value).register(registry));
  }
}
