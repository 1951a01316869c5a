package dev.facerec.api.http;

import dev.facerec.api.ws.DetectSocket;
import dev.facerec.bus.Addresses;
import dev.facerec.security.ClientAddress;
import dev.facerec.security.Role;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * The route table: every route of the service, each with its guard (role) and a short handler. Every
 * route but liveness and the docs needs credentials; src/main/resources/openapi/openapi.yaml lists the
 * same roles ({@code x-roles}) and a test checks both agree.
 */
public final class ApiRouter {
  public static final String BASE = "/api/v1";
  private static final long JSON_LIMIT = 64 * 1024;
  static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1";
  static final String CONSOLE = "console";

  private ApiRouter() {}

  public static Router create(Vertx vertx, ApiContext api) {
    Router router = Router.router(vertx);
    SubjectHandlers subjects = new SubjectHandlers(api);
    RecognitionHandlers recognition = new RecognitionHandlers(api);
    AdminHandlers admin = new AdminHandlers(api.security());
    CollectionHandlers collections = new CollectionHandlers(api);
    DetectSocket socket = new DetectSocket(api);
    Guards guards = new Guards(api.security(), api.config().security().tls().enabled(),
        ClientAddress.trusting(api.config().api().trustedProxies()), api.state(),
        api.config().api().requestTimeoutMs());
    Handler<RoutingContext> adminOnly = guards.require(Role.ADMIN, true);
    Handler<RoutingContext> enroll = guards.require(Role.ENROLL, false);
    Handler<RoutingContext> recognize = guards.require(Role.RECOGNIZE, false);
    Handler<RoutingContext> detect = guards.require(Role.DETECT, false);

    // HEAD wherever GET: routed as GET; the server sends the headers without the body.
    router.route().method(HttpMethod.HEAD).handler(ctx -> ctx.reroute(HttpMethod.GET, ctx.request().uri()));
    router.route().handler(measure(api.metrics(), api.config().tracing().enabled()));
    dev.facerec.api.compreface.CompreFaceRoutes.errorStyle(router);
    router.route().handler(ctx -> {
      ctx.put(Errors.METRICS, api.metrics());
      ctx.next();
    });
    router.route().handler(guards::everyRequest);
    if (!api.config().api().corsOrigins().isEmpty()) {
      router.route().handler(cors(api.config().api().corsOrigins(), api.config().api().corsAllowCredentials()));
    }

    probes(router, api);
    router.get(BASE + "/health/details").handler(adminOnly).handler(health(vertx, api));
    router.get(BASE + "/index/status").handler(adminOnly).handler(ctx -> api.index().statuses()
        .onSuccess(list -> {
          // The first replica that answered (this node's own when it holds one) at the top, every replica below.
          JsonObject first = list.stream().filter(j -> !j.containsKey("error")).findFirst().orElse(null);
          if (first == null) {
            Errors.fail(ctx, new dev.facerec.bus.FaceException(dev.facerec.bus.Failure.INDEX_UNAVAILABLE, "no index replica answered"));
            return;
          }
          SubjectHandlers.json(ctx, 200, first.copy().put("replicas", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(list))));
        })
        .onFailure(t -> Errors.fail(ctx, t)));
    router.get(BASE + "/admin/cluster/status").handler(adminOnly).handler(ctx -> vertx.eventBus()
        .<JsonObject>request(Addresses.ADMIN_CLUSTER_STATUS, new JsonObject(), new DeliveryOptions().setSendTimeout(15_000).setLocalOnly(true))
        .onSuccess(m -> SubjectHandlers.json(ctx, 200, m.body()))
        .onFailure(t -> Errors.fail(ctx, t)));
    router.post(BASE + "/admin/nodes/:node/drain").handler(adminOnly).handler(ctx -> vertx.eventBus()
        .<JsonObject>request(Addresses.ADMIN_NODE_DRAIN, new JsonObject().put("node", ctx.pathParam("node")),
            new DeliveryOptions().setSendTimeout(15_000).setLocalOnly(true))
        .onSuccess(m -> SubjectHandlers.json(ctx, 202, m.body()))
        .onFailure(t -> Errors.fail(ctx, t)));

    router.post(BASE + "/detect").handler(detect).handler(recognition::detect);
    router.post(BASE + "/identify").handler(recognize).handler(recognition::identify);
    router.post(BASE + "/verify").handler(recognize).handler(recognition::verify);

    BodyHandler json = BodyHandler.create(false).setBodyLimit(JSON_LIMIT);
    router.post(BASE + "/subjects").handler(enroll).handler(json).handler(subjects::create);
    router.get(BASE + "/subjects").handler(enroll).handler(subjects::list);
    router.get(BASE + "/subjects/:id").handler(enroll).handler(subjects::get);
    router.patch(BASE + "/subjects/:id").handler(enroll).handler(json).handler(subjects::patch);
    router.delete(BASE + "/subjects/:id").handler(enroll).handler(subjects::delete);
    router.post(BASE + "/subjects/:id/faces").handler(enroll).handler(subjects::addFace);
    router.get(BASE + "/subjects/:id/faces").handler(enroll).handler(subjects::listFaces);
    router.delete(BASE + "/subjects/:id/faces/:faceId").handler(enroll).handler(subjects::deleteFace);
    router.get(BASE + "/subjects/:id/consistency").handler(enroll).handler(subjects::consistency);
    router.get(BASE + "/collections/:name/settings").handler(enroll).handler(collections::getSettings);
    // Embeddings are biometric data: export and import need an admin, limited to its collection when scoped.
    EmbeddingsHandlers embeddings = new EmbeddingsHandlers(api);
    router.get(BASE + "/collections/:name/embeddings").handler(guards.require(Role.ADMIN, false)).handler(embeddings::export);
    router.post(BASE + "/collections/:name/embeddings").handler(guards.require(Role.ADMIN, false)).handler(embeddings::importAll);
    router.put(BASE + "/collections/:name/settings").handler(adminOnly).handler(json).handler(collections::putSettings);

    router.post(BASE + "/admin/index/rebuild").handler(adminOnly).handler(ctx -> {
      // The operator command of the event bus: every index replica rebuilds from PostgreSQL while serving.
      String only = ctx.request().getParam("collection");
      JsonObject cmd = only == null ? new JsonObject() : new JsonObject().put("collection", Params.collection(only));
      vertx.eventBus().<JsonObject>request(Addresses.ADMIN_INDEX_REBUILD, cmd, new DeliveryOptions().setSendTimeout(600_000).setLocalOnly(true))
          .onSuccess(m -> {
            JsonObject body = m.body();
            JsonObject first = body.getJsonArray("nodes").getJsonObject(0);
            SubjectHandlers.json(ctx, body.getBoolean("ok") ? 200 : 503, body.put("rebuilt", first.getJsonArray("rebuilt", new io.vertx.core.json.JsonArray())));
          })
          .onFailure(t -> Errors.fail(ctx, t));
    });
    router.post(BASE + "/admin/keys").handler(adminOnly).handler(json).handler(admin::createKey);
    router.get(BASE + "/admin/keys").handler(adminOnly).handler(admin::listKeys);
    router.delete(BASE + "/admin/keys/:keyId").handler(adminOnly).handler(admin::revokeKey);
    router.post(BASE + "/admin/keys/:keyId/rotate").handler(adminOnly).handler(admin::rotateKey);

    dev.facerec.api.compreface.CompreFaceRoutes.mount(router, api, guards);

    router.get("/ws/detect").handler(guards.requireForUpgrade(Role.DETECT)).handler(socket::upgrade);

    // API docs: open by default (they hold no data); DOCS_REQUIRE_AUTH=true puts them behind any valid credential.
    Handler<RoutingContext> docs = api.config().security().docsRequireAuth() ? guards.require(null, false) : RoutingContext::next;
    Handler<RoutingContext> metrics = api.config().security().metricsRequireAuth() ? guards.require(Role.ADMIN, false) : RoutingContext::next;
    router.get("/metrics").handler(metrics).handler(io.vertx.micrometer.PrometheusScrapingHandler.create(
        (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) api.metrics().registry()));
    router.get(BASE + "/openapi.yaml").handler(docs).handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").sendFile("openapi/openapi.yaml"));
    router.get("/openapi.yaml").handler(docs).handler(ctx -> ctx.redirect(BASE + "/openapi.yaml"));
    router.get("/docs/swagger-initializer.js").handler(docs).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/javascript").sendFile("openapi/swagger-initializer.js"));
    router.get("/docs/*").handler(docs).handler(StaticHandler.create(SWAGGER_UI).setCachingEnabled(true));
    // The browser console: static files of the jar, no credential to load them (the page calls the API with the key
    // its user types); Guards gives them their own Content-Security-Policy and keeps them out of the anonymous budget.
    router.get("/console").handler(ctx -> { // the route matches /console/ too: only the bare path is redirected
      if (ctx.request().path().endsWith("/")) {
        ctx.next();
      } else {
        ctx.redirect("console/");
      }
    });
    router.get("/console/*").handler(StaticHandler.create(CONSOLE).setCachingEnabled(false).setDirectoryListing(false));

    router.route().failureHandler(Errors::handle);
    // No catch-all route: the router itself answers 404 for an unknown path and 405 for a known path with
    // another method, through the failure handler above (a catch-all would turn every 405 into a 404).
    router.errorHandler(404, Errors::handle).errorHandler(405, Errors::handle);
    return router;
  }

  /**
   * CORS for the listed origins only. A request from another origin (not this server's own) is refused with
   * 403 CORS_ORIGIN_REFUSED before Vert.x's handler sees it (which would fail it as an internal error).
   * Answers vary by Origin; browsers may cache a preflight for 10 minutes.
   */
  static Handler<RoutingContext> cors(java.util.List<String> origins, boolean credentials) {
    CorsHandler cors = CorsHandler.create()
        .addOrigins(origins)
        .allowCredentials(credentials)
        .maxAgeSeconds(600)
        .allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
        .allowedHeaders(java.util.Set.of("Content-Type", "X-API-Key", "Authorization", "X-Request-Id", "traceparent"))
        .exposedHeaders(java.util.Set.of("X-Request-Id", "Retry-After", "Location"));
    boolean any = origins.contains("*");
    return ctx -> {
      ctx.response().headers().add("Vary", "Origin");
      String origin = ctx.request().getHeader("Origin");
      if (origin == null) {
        ctx.next();
      } else if (any || origins.contains(origin)) {
        cors.handle(ctx);
      } else if (sameOrigin(ctx, origin)) {
        ctx.next(); // a page of this server calling it: not cross-origin
      } else {
        Errors.send(ctx, dev.facerec.bus.Failure.CORS_ORIGIN_REFUSED, "origin '" + origin + "' is not allowed (CORS_ORIGINS)");
      }
    };
  }

  private static boolean sameOrigin(RoutingContext ctx, String origin) {
    int scheme = origin.indexOf("://");
    io.vertx.core.net.HostAndPort authority = ctx.request().authority();
    if (scheme < 0 || authority == null) {
      return false;
    }
    String host = authority.host() + (authority.port() > 0 ? ":" + authority.port() : "");
    return origin.substring(scheme + 3).equalsIgnoreCase(host);
  }

  /**
   * Per-route latency (the route template, never the raw path) and, through {@link Errors}, errors by code. With
   * tracing, the request's span (made by Vert.x, a child of an incoming {@code traceparent}) is named after the route
   * template and lends its trace id to the access log.
   */
  static Handler<RoutingContext> measure(dev.facerec.metrics.RecognitionMetrics metrics, boolean tracing) {
    return ctx -> {
      long t0 = System.nanoTime();
      ctx.put(Errors.METRICS, metrics);
      if (tracing) {
        io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.current();
        if (span.getSpanContext().isValid()) {
          ctx.put(AccessLog.TRACE_ID, span.getSpanContext().getTraceId());
          ctx.addHeadersEndHandler(v -> {
            io.vertx.ext.web.Route route = ctx.currentRoute();
            String template = route == null || route.getPath() == null ? "unmatched" : route.getPath();
            span.updateName(ctx.request().method().name() + " " + template);
            span.setAttribute("http.route", template);
          });
        }
      }
      ctx.addEndHandler(v -> {
        io.vertx.ext.web.Route route = ctx.currentRoute();
        String template = route == null || route.getPath() == null ? "unmatched" : route.getPath();
        long nanos = System.nanoTime() - t0;
        metrics.httpRequest(ctx.request().method().name(), template, ctx.response().getStatusCode(), nanos);
        AccessLog.log(ctx, template, ctx.response().getStatusCode(), nanos);
      });
      ctx.next();
    };
  }

  /**
   * Liveness and readiness, GET and HEAD, no credential, never rate limited: liveness answers while the process
   * runs; readiness answers 503 while this node cannot serve its roles (and while it drains).
   */
  public static void probes(Router router, ApiContext api) {
    router.route(BASE + "/health").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> SubjectHandlers.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.route(BASE + "/health/ready").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      boolean ready = api.state().ready();
      if (!ready) {
        ctx.response().putHeader("Retry-After", "1");
      }
      SubjectHandlers.json(ctx, ready ? 200 : 503, new JsonObject().put("status", ready ? "READY" : "NOT_READY"));
    });
  }

  /** The routes of a node without the api role: probes and metrics only. */
  public static Router management(Vertx vertx, ApiContext api) {
    Router router = Router.router(vertx);
    probes(router, api);
    router.get("/metrics").handler(io.vertx.micrometer.PrometheusScrapingHandler.create(
        (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) api.metrics().registry()));
    router.route().last().handler(ctx -> Errors.send(ctx, dev.facerec.bus.Failure.NOT_FOUND,
        "this node serves no API (roles " + api.membership().self().roles() + "): only health, readiness and metrics"));
    return router;
  }

  private static HealthCheckHandler health(Vertx vertx, ApiContext api) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("build", p -> p.complete(Status.OK(new JsonObject().put("version", dev.facerec.config.BuildInfo.version())
        .put("node", api.membership().self().name()))));
    checks.register("models", 3000, p -> {
      long n = api.membership().withRole(dev.facerec.cluster.NodeRole.INFERENCE).size();
      p.complete(n > 0 ? Status.OK(new JsonObject().put("inferenceNodes", n).put("profile", api.profile()).put("modelId", api.modelId()))
          : Status.KO(new JsonObject().put("reason", "no inference node in the cluster")));
    });
    checks.register("database", 3000, p -> api.store().ping()
        .onSuccess(v -> p.complete(Status.OK()))
        .onFailure(t -> p.complete(Status.KO(new JsonObject().put("reason", "database unreachable")))));
    checks.register("index", 3000, p -> api.index().statuses().onComplete(ar -> {
      long readyReplicas = ar.succeeded() ? ar.result().stream().filter(j -> Boolean.TRUE.equals(j.getBoolean("ready"))).count() : 0;
      p.complete(readyReplicas > 0
          ? Status.OK(new JsonObject().put("readyReplicas", readyReplicas)
              .put("collections", ar.result().stream().filter(j -> Boolean.TRUE.equals(j.getBoolean("ready"))).findFirst()
                  .map(j -> j.getJsonArray("collections").size()).orElse(0)))
          : Status.KO(new JsonObject().put("reason", "index not ready")));
    }));
    return HealthCheckHandler.createWithHealthChecks(checks);
  }
}
