package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error mapper: every failure leaves as {@code {"error": {"code", "message", "requestId"}}} with the
 * code's HTTP status. Unexpected exceptions are logged with the request id and answered as INTERNAL, so no
 * stack trace ever reaches a client.
 */
public final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  public static final String REQUEST_ID = "requestId";
  /** Set on a request of the CompreFace-compatible routes: its errors leave in CompreFace's shape. */
  public static final String COMPREFACE_STYLE = "errors.compreface";
  /** The node's {@link dev.facerec.metrics.RecognitionMetrics}: every error answered is counted by code. */
  public static final String METRICS = "errors.metrics";
  /** Refusals that shed load or mark a dependency away: counted and summarised per interval, not logged one by one. */
  private static final java.util.Set<Failure> SHED = java.util.EnumSet.of(Failure.OVERLOADED, Failure.RATE_LIMITED,
      Failure.AUTH_THROTTLED, Failure.WS_CONNECTION_LIMIT, Failure.NODE_UNAVAILABLE, Failure.REQUEST_TIMEOUT,
      Failure.INFERENCE_TIMEOUT, Failure.DATABASE_UNAVAILABLE, Failure.INDEX_UNAVAILABLE);

  private Errors() {}

  public static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    if (id == null) {
      String given = ctx.request().getHeader("X-Request-Id");
      id = given != null && given.matches("[A-Za-z0-9._-]{1,64}") ? given : UUID.randomUUID().toString();
      ctx.put(REQUEST_ID, id);
    }
    return id;
  }

  /** The failure handler of the router. */
  public static void handle(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (t == null) {
      Failure f = switch (ctx.statusCode()) {
        case 404 -> Failure.NOT_FOUND;
        case 405 -> Failure.METHOD_NOT_ALLOWED;
        case 413 -> Failure.BODY_TOO_LARGE;
        case 415 -> Failure.UNSUPPORTED_MEDIA_TYPE;
        case 400 -> Failure.INVALID_REQUEST;
        case 401 -> Failure.UNAUTHENTICATED;
        case 403 -> Failure.FORBIDDEN;
        default -> Failure.INTERNAL;
      };
      send(ctx, f, f.description());
      return;
    }
    fail(ctx, t);
  }

  /**
   * Answers a failed future: a {@link FaceException} with its code, anything else as INTERNAL. Logging: an
   * unexpected failure at ERROR once, with the request id and its stack; shed requests are counted (metrics and a
   * periodic summary line); client errors at DEBUG.
   */
  public static void fail(RoutingContext ctx, Throwable t) {
    Throwable failure = Failure.fromBus(t);
    AccessLog.withMdc(ctx, () -> failLogged(ctx, failure));
  }

  private static void failLogged(RoutingContext ctx, Throwable t) {
    if (t instanceof FaceException fe) {
      Failure f = fe.failure();
      if (f == Failure.INTERNAL && fe.getCause() != null) {
        LOG.error("requestId={} {}: {}", requestId(ctx), f, fe.getMessage(), fe.getCause());
      } else if (f == Failure.INTERNAL) {
        LOG.debug("requestId={} INTERNAL from another component (logged there): {}", requestId(ctx), fe.getMessage());
      } else if (f.httpStatus() >= 500 && !SHED.contains(f)) {
        LOG.warn("requestId={} {}: {}", requestId(ctx), f, fe.getMessage());
      } else {
        LOG.debug("requestId={} {}: {}", requestId(ctx), f, fe.getMessage());
      }
      if (fe.retryAfterSeconds() > 0 && !ctx.response().headWritten()) {
        ctx.response().putHeader("Retry-After", String.valueOf(fe.retryAfterSeconds()));
      }
      send(ctx, f, fe.getMessage(), fe.details());
    } else if (t instanceof io.vertx.core.json.DecodeException) {
      LOG.debug("requestId={} MALFORMED_JSON", requestId(ctx));
      send(ctx, Failure.MALFORMED_JSON, "the body is not valid JSON");
    } else if (isDatabaseDown(t)) {
      LOG.debug("requestId={} database unavailable: {}", requestId(ctx), t.toString());
      send(ctx, Failure.DATABASE_UNAVAILABLE, "the database cannot be reached");
    } else {
      LOG.error("requestId={} unexpected failure on {} {}", requestId(ctx), ctx.request().method(), ctx.request().path(), t);
      send(ctx, Failure.INTERNAL, "internal error; quote the request id when reporting it");
    }
  }

  private static boolean isDatabaseDown(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException || c instanceof io.vertx.core.VertxException && String.valueOf(c.getMessage()).contains("closed")
          || c instanceof PgException pe && pe.getSqlState() != null && pe.getSqlState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }

  public static void send(RoutingContext ctx, Failure f, String message) {
    send(ctx, f, message, null);
  }

  public static void send(RoutingContext ctx, Failure f, String message, JsonObject details) {
    HttpServerResponse res = ctx.response();
    if (res.ended() || res.closed()) {
      return;
    }
    if (res.headWritten()) {
      res.reset();
      return;
    }
    dev.facerec.metrics.RecognitionMetrics metrics = ctx.get(METRICS);
    if (metrics != null) {
      metrics.error(f.name());
      if (SHED.contains(f)) {
        metrics.shed(f.name());
      }
      switch (f) {
        case RATE_LIMITED -> metrics.rateLimited(Guards.principalOrNull(ctx) == null ? "anonymous" : "key");
        case AUTH_THROTTLED -> metrics.rateLimited("auth_backoff");
        case WS_CONNECTION_LIMIT -> metrics.rateLimited("websocket");
        default -> { }
      }
    }
    boolean compreFace = ctx.get(COMPREFACE_STYLE) != null;
    JsonObject body;
    if (compreFace) {
      body = dev.facerec.api.compreface.CompreFaceErrors.body(f, message, requestId(ctx), details);
    } else {
      body = new JsonObject().put("error", new JsonObject()
          .put("code", f.name()).put("message", message).put("requestId", requestId(ctx)));
      if (details != null) {
        body.getJsonObject("error").put("details", details);
      }
    }
    if (f.httpStatus() == 503 && !res.headers().contains("Retry-After")) {
      res.putHeader("Retry-After", "1"); // every 503 here is transient: a full queue, a node or database away
    }
    res.setStatusCode(compreFace ? dev.facerec.api.compreface.CompreFaceErrors.status(f) : f.httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }
}
