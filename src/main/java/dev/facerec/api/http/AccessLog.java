package dev.facerec.api.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One INFO line per request on logger {@value #LOGGER} (ACCESS_LOG=false turns it off): method, route template,
 * status, duration, request id, key id and the trace id: the request's span's when tracing is on (that of an
 * incoming W3C {@code traceparent}, or a new one), else the {@code traceparent} header's. Never a raw path
 * with ids, a name, or image data. The ids also go to the MDC around the request's log lines, so JSON logs carry
 * {@code request_id}, {@code trace_id} and {@code key_id} as fields.
 */
public final class AccessLog {
  public static final String LOGGER = "dev.facerec.access";
  static final String TRACE_ID = "traceId";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  /** version 00, 32 hex trace id (not all zero), 16 hex parent id, 2 hex flags. */
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");

  private AccessLog() {}

  /**
   * The trace id put by {@link ApiRouter} from the request's span (tracing on), else that of the request's
   * {@code traceparent} header, or null when absent or malformed.
   */
  static String traceId(RoutingContext ctx) {
    String cached = ctx.get(TRACE_ID);
    if (cached != null) {
      return cached.isEmpty() ? null : cached;
    }
    String h = ctx.request().getHeader("traceparent");
    String id = null;
    if (h != null) {
      var m = TRACEPARENT.matcher(h.trim());
      if (m.matches() && !m.group(1).equals("0".repeat(32)) && !m.group(2).equals("0".repeat(16))) {
        id = m.group(1);
      }
    }
    ctx.put(TRACE_ID, id == null ? "" : id);
    return id;
  }

  static void log(RoutingContext ctx, String route, int status, long nanos) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    withMdc(ctx, () -> {
      double ms = Math.round(nanos / 1e4) / 100.0;
      LOG.info("{} {} {} {} ms", kv("method", ctx.request().method().name()), kv("route", route), kv("status", status),
          kv("duration_ms", ms));
    });
  }

  /** Runs {@code r} with the request's ids in the MDC (request_id, trace_id, key_id). */
  public static void withMdc(RoutingContext ctx, Runnable r) {
    MDC.put("request_id", Errors.requestId(ctx));
    String trace = traceId(ctx);
    if (trace != null) {
      MDC.put("trace_id", trace);
    }
    var p = Guards.principalOrNull(ctx);
    if (p != null) {
      MDC.put("key_id", p.id());
    }
    try {
      r.run();
    } finally {
      MDC.remove("request_id");
      MDC.remove("trace_id");
      MDC.remove("key_id");
    }
  }
}
