package dev.facerec.api.http;

import dev.facerec.api.ws.DetectSocket;
import dev.facerec.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/** The route table: every route of the service, each pointing at a short handler. */
public final class ApiRouter {
  public static final String BASE = "/api/v1";
  private static final long JSON_LIMIT = 64 * 1024;
  static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1";

  private ApiRouter() {}

  public static Router create(Vertx vertx, ApiContext api) {
    Router router = Router.router(vertx);
    SubjectHandlers subjects = new SubjectHandlers(vertx, api);
    RecognitionHandlers recognition = new RecognitionHandlers(vertx, api);
    CollectionHandlers collections = new CollectionHandlers(api);
    DetectSocket socket = new DetectSocket(api);

    router.route().handler(ctx -> {
      ctx.response().putHeader("X-Request-Id", Errors.requestId(ctx))
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Cache-Control", "no-store");
      ctx.next();
    });
    if (!api.config().api().corsOrigins().isEmpty()) {
      router.route().handler(CorsHandler.create()
          .addOrigins(api.config().api().corsOrigins())
          .allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
          .allowedHeaders(java.util.Set.of("Content-Type", "X-API-Key", "Authorization", "X-Request-Id")));
    }

    router.get(BASE + "/health").handler(health(vertx, api));
    router.get(BASE + "/index/status").handler(ctx -> vertx.eventBus().<JsonObject>request(Addresses.INDEX_STATUS, new JsonObject())
        .onSuccess(m -> SubjectHandlers.json(ctx, 200, m.body()))
        .onFailure(t -> Errors.fail(ctx, new dev.facerec.bus.FaceException(dev.facerec.bus.Failure.INDEX_UNAVAILABLE, "the index is not ready"))));

    router.get("/metrics").handler(io.vertx.micrometer.PrometheusScrapingHandler.create(
        (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) api.metrics().registry()));

    router.post(BASE + "/detect").handler(recognition::detect);
    router.post(BASE + "/identify").handler(recognition::identify);
    router.post(BASE + "/verify").handler(recognition::verify);

    BodyHandler json = BodyHandler.create(false).setBodyLimit(JSON_LIMIT);
    router.post(BASE + "/subjects").handler(json).handler(subjects::create);
    router.get(BASE + "/subjects").handler(subjects::list);
    router.get(BASE + "/subjects/:id").handler(subjects::get);
    router.patch(BASE + "/subjects/:id").handler(json).handler(subjects::patch);
    router.delete(BASE + "/subjects/:id").handler(subjects::delete);
    router.post(BASE + "/subjects/:id/faces").handler(subjects::addFace);
    router.get(BASE + "/subjects/:id/faces").handler(subjects::listFaces);
    router.get(BASE + "/subjects/:id/consistency").handler(subjects::consistency);
    router.get(BASE + "/collections/:name/settings").handler(collections::getSettings);
    router.put(BASE + "/collections/:name/settings").handler(json).handler(collections::putSettings);
    router.delete(BASE + "/subjects/:id/faces/:faceId").handler(subjects::deleteFace);

    router.get("/ws/detect").handler(socket::upgrade);

    router.get(BASE + "/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").sendFile("openapi/openapi.yaml"));
    router.get("/openapi.yaml").handler(ctx -> ctx.redirect(BASE + "/openapi.yaml"));
    router.get("/docs/swagger-initializer.js").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/javascript").sendFile("openapi/swagger-initializer.js"));
    router.get("/docs/*").handler(StaticHandler.create(SWAGGER_UI).setCachingEnabled(true));

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
