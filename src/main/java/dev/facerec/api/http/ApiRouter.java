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

  private ApiRouter() {}

  public static Router create(Vertx vertx, ApiContext api) {
    Router router = Router.router(vertx);
    SubjectHandlers subjects = new SubjectHandlers(vertx, api);
    RecognitionHandlers recognition = new RecognitionHandlers(vertx, api);
    AdminHandlers admin = new AdminHandlers(api.security());
    CollectionHandlers collections = new CollectionHandlers(api);
    DetectSocket socket = new DetectSocket(api);
    Guards guards = new Guards(api.security(), api.config().security().tls().enabled(),
        ClientAddress.trusting(api.config().api().trustedProxies()));
    Handler<RoutingContext> adminOnly = guards.require(Role.ADMIN, true);
    Handler<RoutingContext> enroll = guards.require(Role.ENROLL, false);
    Handler<RoutingContext> recognize = guards.require(Role.RECOGNIZE, false);
    Handler<RoutingContext> detect = guards.require(Role.DETECT, false);

    router.route().handler(guards::everyRequest);
    if (!api.config().api().corsOrigins().isEmpty()) {
      router.route().handler(CorsHandler.create()
          .addOrigins(api.config().api().corsOrigins())
          .allowCredentials(api.config().api().corsAllowCredentials())
          .allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
          .allowedHeaders(java.util.Set.of("Content-Type", "X-API-Key", "Authorization", "X-Request-Id"))
          .exposedHeaders(java.util.Set.of("X-Request-Id", "Retry-After", "Location")));
    }

    // Liveness reveals nothing; the detailed checks need an admin.
    router.get(BASE + "/health").handler(ctx -> SubjectHandlers.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get(BASE + "/health/details").handler(adminOnly).handler(health(vertx, api));
    router.get(BASE + "/index/status").handler(adminOnly).handler(ctx -> vertx.eventBus().<JsonObject>request(Addresses.INDEX_STATUS, new JsonObject())
        .onSuccess(m -> SubjectHandlers.json(ctx, 200, m.body()))
        .onFailure(t -> Errors.fail(ctx, new dev.facerec.bus.FaceException(dev.facerec.bus.Failure.INDEX_UNAVAILABLE, "the index is not ready"))));

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
    router.put(BASE + "/collections/:name/settings").handler(adminOnly).handler(json).handler(collections::putSettings);

    router.post(BASE + "/admin/index/rebuild").handler(adminOnly).handler(ctx -> {
      // An operator command over the event bus: the index verticle rebuilds from PostgreSQL.
      String only = ctx.request().getParam("collection");
      JsonObject cmd = only == null ? new JsonObject() : new JsonObject().put("collection", Params.collection(only));
      vertx.eventBus().<JsonObject>request(Addresses.ADMIN_INDEX_REBUILD, cmd, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(600_000))
          .onSuccess(m -> SubjectHandlers.json(ctx, 200, m.body()))
          .onFailure(t -> Errors.fail(ctx, dev.facerec.pipeline.InferenceClient.mapFailure(t).cause()));
    });
    router.post(BASE + "/admin/keys").handler(adminOnly).handler(json).handler(admin::createKey);
    router.get(BASE + "/admin/keys").handler(adminOnly).handler(admin::listKeys);
    router.delete(BASE + "/admin/keys/:keyId").handler(adminOnly).handler(admin::revokeKey);
    router.post(BASE + "/admin/keys/:keyId/rotate").handler(adminOnly).handler(admin::rotateKey);

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

    router.route().failureHandler(Errors::handle);
    router.route().last().handler(ctx -> ctx.fail(404));
    return router;
  }

  private static HealthCheckHandler health(Vertx vertx, ApiContext api) {
    HealthChecks checks = HealthChecks.create(vertx);
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(2000);
    checks.register("models", 3000, p -> vertx.eventBus().<JsonObject>request(Addresses.INFERENCE_INFO, new JsonObject(), quick)
        .onSuccess(m -> p.complete(Status.OK(m.body())))
        .onFailure(t -> p.complete(Status.KO(new JsonObject().put("reason", "no inference worker answered")))));
    checks.register("database", 3000, p -> api.store().ping()
        .onSuccess(v -> p.complete(Status.OK()))
        .onFailure(t -> p.complete(Status.KO(new JsonObject().put("reason", "database unreachable")))));
    checks.register("index", 3000, p -> vertx.eventBus().<JsonObject>request(Addresses.INDEX_STATUS, new JsonObject(), quick)
        .onSuccess(m -> p.complete(Status.OK(new JsonObject().put("collections", m.body().getJsonArray("collections").size()))))
        .onFailure(t -> p.complete(Status.KO(new JsonObject().put("reason", "index not ready")))));
    return HealthCheckHandler.createWithHealthChecks(checks);
  }
}
