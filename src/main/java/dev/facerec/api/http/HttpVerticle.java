package dev.facerec.api.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the REST API and the detection WebSocket. Several instances share the port. */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private final ApiContext api;
  private HttpServer server;

  public HttpVerticle(ApiContext api) {
    this.api = api;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(api.config().api().host())
        .setPort(api.config().api().port())
        .setCompressionSupported(true)
        .setMaxWebSocketFrameSize(api.config().websocket().maxFrameBytes())
        .setMaxWebSocketMessageSize(api.config().websocket().maxFrameBytes())
        .setIdleTimeout(120);
    server = vertx.createHttpServer(options).requestHandler(ApiRouter.create(vertx, api));
    return server.listen().onSuccess(s -> LOG.debug("HTTP listening on {}:{}", api.config().api().host(), s.actualPort()));
  }

  /** The bound port (useful with API_PORT=0 in tests). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
