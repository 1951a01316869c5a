package dev.facerec.api.http;

import dev.facerec.bus.Failure;
import dev.facerec.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API port while a node starts (waiting for its database, joining the cluster, loading models and the index):
 * liveness answers 200, readiness 503, anything else 503 {@code NODE_UNAVAILABLE} with {@code Retry-After} and what the
 * node is doing. A load balancer or an orchestrator then sees a starting node rather than a refused connection. It
 * runs on a small Vert.x of its own (the node's is made later) and is closed just before the API server binds the port.
 */
public final class StartingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StartingServer.class);
  private final Vertx vertx;
  private final HttpServer server;

  private StartingServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /**
   * Listens on the configured API port, or returns null when the port is chosen at bind time (0: nobody could find
   * it) or cannot be bound now (the node's own start then reports it).
   */
  public static StartingServer open(AppConfig config, Supplier<String> phase) {
    if (config.api().port() == 0) {
      return null;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    Router router = Router.router(vertx);
    router.route(ApiRouter.BASE + "/health").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> SubjectHandlers.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.route(ApiRouter.BASE + "/health/ready").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      ctx.response().putHeader("Retry-After", "5");
      SubjectHandlers.json(ctx, 503, new JsonObject().put("status", "NOT_READY"));
    });
    router.route().handler(ctx -> {
      ctx.response().putHeader("Retry-After", "5");
      Errors.send(ctx, Failure.NODE_UNAVAILABLE, "this node is starting (" + phase.get() + "); retry later");
    });
    try {
      HttpServer server = vertx.createHttpServer(HttpVerticle.serverOptions(config)).requestHandler(router)
          .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("starting: port {} answers probes (live 200, ready 503) until the node serves", server.actualPort());
      return new StartingServer(vertx, server);
    } catch (Exception e) {
      LOG.warn("starting: port {} not answering probes yet ({})", config.api().port(), e.getMessage());
      vertx.close();
      return null;
    }
  }

  /** Releases the port (waited for, so the API server can bind it next). */
  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("starting: closing the start-up listener: {}", e.toString());
    }
    // Closed from this thread, not from one of its own event loops (which this close terminates).
    vertx.close();
  }
}
