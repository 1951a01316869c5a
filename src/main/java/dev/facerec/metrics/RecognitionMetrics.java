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
  /** Every HTTP request: method, the route template that served it (never the raw path) and status. */
  public static final String HTTP_REQUESTS = "facerec.http.server.requests";
  /** Every error answered, by its documented code (docs/errors.md). */
  public static final String ERRORS = "facerec.errors";
  public static final String AUTH_FAILURES = "facerec.auth.failures";
  public static final String RATE_LIMITED = "facerec.rate.limited";
  /** Time of each stage of the face pipeline on an inference node: decode, detect, landmarks, align, embed. */
  public static final String INFERENCE_STAGE = "facerec.inference.stage";
  public static final String INDEX_SEARCH = "facerec.index.search";
  public static final String INDEX_FACES = "facerec.index.faces";
  public static final String BUILD_INFO = "facerec.build.info";

  /** Prometheus buckets for request latencies, seconds: the same on every node, so p95/p99 aggregate. */
  static final java.time.Duration[] LATENCY_BUCKETS = java.util.stream.DoubleStream.of(
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
      .mapToObj(s -> java.time.Duration.ofNanos((long) (s * 1e9))).toArray(java.time.Duration[]::new);
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
    // Micrometer records fixed-bucket histogram values as ceil(value): similarities are recorded in percent so that
    // integer bucket bounds stay exact (a similarity of 0.45 lands in le="45" ... le="50", not in +Inf).
    this.matchSimilarity = DistributionSummary.builder(MATCH_SIMILARITY)
        .description("cosine similarity of accepted identify matches, in percent (x100)")
        .baseUnit("percent")
        .serviceLevelObjectives(20, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95)
        .register(registry);
    this.errors = new ConcurrentHashMap<>();
  }

  private final Map<String, Counter> errors;
  private final Map<String, io.micrometer.core.instrument.Timer> timers = new ConcurrentHashMap<>();

  /** One HTTP request: {@code route} is the template (e.g. /api/v1/subjects/:id), "unmatched" when none served it. */
  public void httpRequest(String method, String route, int status, long nanos) {
    timer(HTTP_REQUESTS, "HTTP requests by method, route template and status", LATENCY_BUCKETS,
        "method", method, "route", route, "status", Integer.toString(status)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** An error answered with its code. */
  public void error(String code) {
    errors.computeIfAbsent(code, c -> Counter.builder(ERRORS).description("errors answered, by documented code (docs/errors.md)")
        .tag("code", c).register(registry)).increment();
  }

  /** A credential that was presented and refused ({@code credential}: api_key or jwt). */
  public void authFailure(String credential) {
    counters.computeIfAbsent(AUTH_FAILURES + "|" + credential, k -> Counter.builder(AUTH_FAILURES)
        .description("presented credentials that were refused, by kind").tag("credential", credential).register(registry)).increment();
  }

  /** A request refused with 429 ({@code limit}: key, anonymous, auth_backoff, websocket). */
  public void rateLimited(String limit) {
    counters.computeIfAbsent(RATE_LIMITED + "|" + limit, k -> Counter.builder(RATE_LIMITED)
        .description("requests refused with 429, by the limit that refused them").tag("limit", limit).register(registry)).increment();
  }

  /** One stage of the face pipeline. */
  public void stage(String stage, long nanos) {
    timer(INFERENCE_STAGE, "face pipeline time per stage on this inference node", LATENCY_BUCKETS, "stage", stage)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** One search of a collection's index, as the caller saw it (across nodes when clustered). */
  public void searched(String collection, long nanos) {
    timer(INDEX_SEARCH, "index searches per collection, as seen by the api node", LATENCY_BUCKETS, "collection", collection)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private io.micrometer.core.instrument.Timer timer(String name, String help, java.time.Duration[] buckets, String... tags) {
    return timers.computeIfAbsent(name + "|" + String.join("|", tags), k -> io.micrometer.core.instrument.Timer.builder(name)
        .description(help).tags(tags).serviceLevelObjectives(buckets).register(registry));
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void identified(Decision decision, double similarity) {
    counter(IDENTIFY_DECISIONS, "decision", decision.name().toLowerCase()).increment();
    if (decision == Decision.MATCH) {
      matchSimilarity.record(similarity * 100);
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
    Gauge.builder(name, value).description(HELP.getOrDefault(name, name)).register(registry);
  }

  private static final Map<String, String> HELP = Map.of(
      INFERENCE_IN_FLIGHT, "inference requests this node is computing or holding in its queue",
      INFERENCE_CAPACITY, "inference requests this node accepts at once (INFERENCE_WORKERS + INFERENCE_QUEUE_SIZE); more are refused OVERLOADED",
      INDEX_APPLIED_SEQ, "change-log position this node's index replica has applied",
      CLUSTER_MEMBERS, "cluster members this node sees");

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
    return counters.computeIfAbsent(name + "|" + value, k -> Counter.builder(name).description(switch (name) {
      case IDENTIFY_DECISIONS -> "identify decisions per face: match, unknown, ambiguous";
      case VERIFY_DECISIONS -> "verify decisions: match true or false";
      case ENROLLMENTS -> "enrollment attempts by outcome: enrolled or the refusing code";
      default -> name;
    }).tag(tag, value).register(registry));
  }
}
