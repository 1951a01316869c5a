package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.security.ClientAddress;
import dev.facerec.security.Principal;
import dev.facerec.security.Role;
import dev.facerec.security.Security;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;

/**
 * The HTTP face of {@link Security}: security headers and the per-address budget for requests without
 * credentials on every route, then per route: authenticate (API key or JWT), throttle failed attempts,
 * apply the key's rate limit, check the role. Handlers find the caller with {@link #principal}.
 */
public final class Guards {
  static final String PRINCIPAL = "principal";
  static final String API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  /** Swagger UI: its own scripts and styles (it sets inline styles), the spec from this origin. */
  static final String DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
      + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  /** The browser console: its own files only, images and videos the user picks (blob:), the API and WebSocket of this origin. */
  static final String CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
      + "media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  /**
   * A browser cannot set headers on a WebSocket: it may offer its API key as the subprotocol {@code facerec.key.<base64url
   * of the key>} beside {@link dev.facerec.api.ws.DetectSocket#PROTOCOL}, which the server selects (never the key).
   */
  public static final String WS_KEY_PROTOCOL = "facerec.key.";

  private final Security security;
  private final boolean tls;
  private final ClientAddress clients;
  private final dev.facerec.cluster.NodeState state;
  private final long requestTimeoutMs;
  private static final String REBUILD = "/api/v1/admin/index/rebuild";
  /** Set on a request once it became a WebSocket: the request deadline no longer applies. */
  public static final String UPGRADED = "upgraded";

  public Guards(Security security, boolean tls, ClientAddress clients, dev.facerec.cluster.NodeState state, long requestTimeoutMs) {
    this.security = security;
    this.tls = tls;
    this.clients = clients;
    this.state = state;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** Load-balancer probes: never rate limited, answered while draining. */
  static boolean probe(String path) {
    return "/api/v1/health".equals(path) || "/api/v1/health/ready".equals(path);
  }

  /**
   * Probes, scrapes, the API document and the console's static files (a page load is several files; the console's
   * API calls carry a key): outside the anonymous per-address budget (metrics may need a key instead).
   */
  static boolean unmetered(String path) {
    return probe(path) || "/metrics".equals(path) || "/openapi.yaml".equals(path) || "/api/v1/openapi.yaml".equals(path)
        || console(path);
  }

  static boolean console(String path) {
    return "/console".equals(path) || path.startsWith("/console/");
  }

  /** RFC 6750: a request without credentials gets the scheme; a presented credential that failed gets invalid_token. */
  static final String CHALLENGE = "Bearer realm=\"facerec\"";
  static final String INVALID_TOKEN = "Bearer realm=\"facerec\", error=\"invalid_token\"";

  private record Credential(String value, boolean jwt, boolean fromQuery) {}

  /** First handler of every route: response headers, and the anonymous budget when no credential is sent. */
  public void everyRequest(RoutingContext ctx) {
    HttpServerResponse res = ctx.response();
    res.putHeader("X-Request-Id", Errors.requestId(ctx))
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", ctx.request().path().startsWith("/docs") ? DOCS_CSP
            : console(ctx.request().path()) ? CONSOLE_CSP : API_CSP);
    if (tls) {
      res.putHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    boolean probe = probe(ctx.request().path());
    if (!probe) {
      state.requestStarted();
      ctx.addEndHandler(v -> state.requestEnded());
    }
    deadline(ctx);
    if (state.draining() && !probe) {
      res.putHeader("Retry-After", "1").putHeader("Connection", "close"); // the client reconnects, to another node
      Errors.send(ctx, Failure.NODE_UNAVAILABLE, "this node is draining; retry on another node");
      return;
    }
    if (!unmetered(ctx.request().path()) && credential(ctx.request(), true) == null) {
      long wait = security.rateLimits().acquireAnonymous(address(ctx));
      if (wait > 0) {
        tooMany(ctx, Failure.RATE_LIMITED, wait, "too many requests without credentials from this address");
        return;
      }
    }
    ctx.next();
  }

  /**
   * Every request ends: {@code REQUEST_TIMEOUT_MS} after its arrival a request still unanswered (a body that never
   * finishes, a dependency that never answers) gets 503 REQUEST_TIMEOUT with Retry-After. When its body was not
   * read to the end the connection is closed after the answer, so the next request on it cannot be taken for
   * the rest of this one. The index rebuild, an operator command that runs for minutes on a large gallery, has no
   * deadline; nor has a WebSocket once upgraded.
   */
  private void deadline(RoutingContext ctx) {
    if (REBUILD.equals(ctx.request().path())) {
      ctx.addEndHandler(v -> discardUnreadBody(ctx));
      return;
    }
    String id = Errors.requestId(ctx);
    long deadline = dev.facerec.bus.Deadlines.start(id, requestTimeoutMs);
    long timer = ctx.vertx().setTimer(requestTimeoutMs, t -> {
      HttpServerResponse res = ctx.response();
      if (Boolean.TRUE.equals(ctx.get(UPGRADED)) || res.ended() || res.closed()) {
        return;
      }
      if (!ctx.request().isEnded() && ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
        res.putHeader("Connection", "close");
        res.endHandler(v -> ctx.request().connection().close());
      }
      Errors.send(ctx, Failure.REQUEST_TIMEOUT, "the request was not answered within " + requestTimeoutMs + " ms; retry later");
    });
    // Answered before its body was read (refused early, or too large): the rest is dropped as it arrives and,
    // past a bound, the connection closed; "Connection: close" keeps the client from sending its next request on it.
    ctx.addHeadersEndHandler(v -> {
      HttpServerRequest req = ctx.request();
      if (!req.isEnded() && hasBody(req) && req.version() != io.vertx.core.http.HttpVersion.HTTP_2
          && !Boolean.TRUE.equals(ctx.get(UPGRADED))) {
        ctx.response().putHeader("Connection", "close");
      }
    });
    ctx.addEndHandler(v -> {
      ctx.vertx().cancelTimer(timer);
      dev.facerec.bus.Deadlines.end(id, deadline);
      discardUnreadBody(ctx);
    });
  }

  private static boolean hasBody(HttpServerRequest req) {
    String length = req.getHeader("Content-Length");
    return length != null ? !length.trim().equals("0") : req.getHeader("Transfer-Encoding") != null;
  }

  /**
   * A request answered before its body was read (a subject not found while the upload waits, a credential
   * refused, a body too large) must not leave the body paused: on a kept-alive HTTP/1.1 connection the next
   * request sits behind it, and once the paused bytes pass the read buffer the connection stops reading and that
   * next request never ends. The rest is read and dropped, then the connection closed ({@link UnreadBody}).
   */
  private static void discardUnreadBody(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!hasBody(req) || Boolean.TRUE.equals(ctx.get(UPGRADED)) || req.isEnded()) {
      return; // nothing to read (a GET, a WebSocket upgrade refused by its guard), or all read
    }
    UnreadBody.drop(ctx.vertx(), req, "close".equalsIgnoreCase(ctx.response().headers().get("Connection")));
  }

  /** A route for {@code role} (null: any role). {@code unscopedOnly}: keys limited to one collection are refused. */
  public Handler<RoutingContext> require(Role role, boolean unscopedOnly) {
    return guard(role, unscopedOnly, false);
  }

  /** The WebSocket upgrade: browsers cannot set headers there, so a short-lived JWT may come as {@code ?access_token=}. */
  public Handler<RoutingContext> requireForUpgrade(Role role) {
    return guard(role, false, true);
  }

  /**
   * A security-policy handler in Vert.x Web's order, so it runs before any body handler: no body is read for
   * a caller that is not authenticated.
   */
  private interface Guard extends SecurityPolicyHandler {}

  private Handler<RoutingContext> guard(Role role, boolean unscopedOnly, boolean allowQuery) {
    return (Guard) ctx -> {
      Credential c = credential(ctx.request(), allowQuery);
      if (c == null) {
        ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
        Errors.send(ctx, Failure.UNAUTHENTICATED, "credentials are required: an API key in X-API-Key, or a bearer token"
            + " in Authorization");
        return;
      }
      String address = address(ctx);
      long wait = security.throttle().retryAfterSeconds(address);
      // The back-off slows guessing from an address; a credential this node has already accepted is no guess.
      if (wait > 0 && !security.knownGood(c.value())) {
        tooMany(ctx, Failure.AUTH_THROTTLED, wait, "too many failed authentications from this address");
        return;
      }
      // Hold the body (and the end of the request) while the credential is looked up; the handlers read it.
      HttpServerRequest req = ctx.request();
      req.pause();
      (c.jwt() ? security.authenticateJwt(c.value(), c.fromQuery()) : security.authenticateKey(c.value())).onComplete(ar -> {
        if (!allowQuery) {
          // Delivery restarts on a later turn of the event loop, after the next handler has set its own. The
          // WebSocket upgrade stays paused: it must not see the request end before it takes the connection over.
          req.resume();
        }
        if (ar.failed()) {
          if (ar.cause() instanceof FaceException fe && fe.failure() == Failure.UNAUTHENTICATED) {
            security.throttle().failed(address);
            dev.facerec.metrics.RecognitionMetrics metrics = ctx.get(Errors.METRICS);
            if (metrics != null) {
              metrics.authFailure(c.jwt() ? "jwt" : "api_key");
            }
            ctx.response().putHeader("WWW-Authenticate", INVALID_TOKEN);
          }
          Errors.fail(ctx, ar.cause());
          return;
        }
        Principal p = ar.result();
        security.rememberGood(c.value(), p);
        ctx.put(PRINCIPAL, p);
        long limited = security.rateLimits().acquire(p);
        if (limited > 0) {
          tooMany(ctx, Failure.RATE_LIMITED, limited, "the request budget of this credential is spent");
          return;
        }
        if (role != null && !p.has(role)) {
          Errors.send(ctx, Failure.FORBIDDEN, "this operation needs the role '" + role.wire() + "'");
          return;
        }
        if (unscopedOnly && p.scoped()) {
          Errors.send(ctx, Failure.FORBIDDEN, "this operation needs a credential that is not limited to one collection");
          return;
        }
        ctx.put(PRINCIPAL, p);
        ctx.next();
      });
    };
  }

  private static Credential credential(HttpServerRequest req, boolean allowQuery) {
    String key = req.getHeader("X-API-Key");
    if (key != null && !key.isBlank()) {
      return new Credential(key.trim(), false, false);
    }
    String auth = req.getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.substring(7).trim();
      return new Credential(token, !token.startsWith("fr_"), false);
    }
    if (allowQuery && "/ws/detect".equals(req.path())) {
      String offered = req.getHeader("Sec-WebSocket-Protocol");
      if (offered != null) {
        for (String protocol : offered.split(",")) {
          protocol = protocol.trim();
          if (protocol.startsWith(WS_KEY_PROTOCOL)) {
            String encoded = protocol.substring(WS_KEY_PROTOCOL.length());
            String offeredKey;
            try {
              offeredKey = new String(java.util.Base64.getUrlDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8).trim();
            } catch (IllegalArgumentException notBase64) {
              offeredKey = encoded; // refused by the key lookup like any unknown key
            }
            if (!offeredKey.isBlank()) {
              return new Credential(offeredKey, false, false);
            }
          }
        }
      }
      String token = req.getParam("access_token");
      if (token != null && !token.isBlank()) {
        return new Credential(token.trim(), true, true);
      }
    }
    return null;
  }

  /**
   * The client's address for the anonymous budget and the back-off: the TCP peer, or, when the peer is one of
   * {@code TRUSTED_PROXIES}, the first untrusted address of {@code X-Forwarded-For} read from the right.
   */
  String address(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (req.remoteAddress() == null) {
      return "unknown";
    }
    return clients.resolve(req.remoteAddress().hostAddress(), req.headers().getAll("X-Forwarded-For"));
  }

  private static void tooMany(RoutingContext ctx, Failure f, long seconds, String message) {
    ctx.response().putHeader("Retry-After", String.valueOf(seconds));
    Errors.send(ctx, f, message + "; retry after " + seconds + " s");
  }

  /** The caller when a guard accepted one, else null. */
  static Principal principalOrNull(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The authenticated caller of a guarded route. */
  public static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route without guard: " + ctx.request().path());
    }
    return p;
  }

  /** The collection a request names (or the caller's own, or {@code default}); FORBIDDEN for another collection. */
  public static String collection(RoutingContext ctx, String requested) {
    Principal p = principal(ctx);
    String c = Params.collection(requested == null || requested.isBlank() ? p.collection() : requested);
    if (!p.mayUse(c)) {
      throw new FaceException(Failure.FORBIDDEN, "this credential is limited to another collection");
    }
    return c;
  }

  /** A subject of another collection answers as if it did not exist. */
  static <T extends dev.facerec.store.GalleryStore.Subject> T visible(RoutingContext ctx, T subject) {
    if (!principal(ctx).mayUse(subject.collection())) {
      throw new FaceException(Failure.SUBJECT_NOT_FOUND, "no subject " + subject.id());
    }
    return subject;
  }
}
