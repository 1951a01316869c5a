package dev.facerec.api.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import dev.facerec.config.AppConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the REST API and the detection WebSocket, over HTTPS when configured (mutual TLS with a client CA). Several instances share the port. */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private final ApiContext api;
  private HttpServer server;
  private io.vertx.core.net.ServerSSLOptions sslOptions;
  /** The fingerprint of the TLS files being served, and of the last pair refused (each refusal logged once). */
  private String servedTls;
  private String refusedTls;
  private long reloadTimer = -1;

  public HttpVerticle(ApiContext api) {
    this.api = api;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = serverOptions(api.config());
    AppConfig.Tls tls = api.config().security().tls();
    if (tls.enabled()) {
      sslOptions = options.getSslOptions();
      try {
        servedTls = ServerTls.fingerprint(tls);
      } catch (java.io.IOException e) {
        return Future.failedFuture(e);
      }
    }
    server = vertx.createHttpServer(options).requestHandler(api.membership().self().has(dev.facerec.cluster.NodeRole.API)
        ? ApiRouter.create(vertx, api) : ApiRouter.management(vertx, api));
    return server.listen().onSuccess(s -> LOG.debug("HTTP listening on {}:{}", api.config().api().host(), s.actualPort()));
  }

  /** The API port's server options: host, port, limits and TLS (mutual when a client CA is configured). */
  static HttpServerOptions serverOptions(AppConfig config) {
    // Frames up to twice the limit reach the handler, which answers WS_FRAME_TOO_LARGE; beyond, Netty closes (1009).
    int hardFrameLimit = (int) Math.min(Integer.MAX_VALUE, 2L * config.websocket().maxFrameBytes());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.api().host())
        .setPort(config.api().port())
        .setCompressionSupported(true)
        .setMaxWebSocketFrameSize(hardFrameLimit)
        .setMaxWebSocketMessageSize(hardFrameLimit)
        .setWebSocketSubProtocols(java.util.List.of(dev.facerec.api.ws.DetectSocket.PROTOCOL))
        .setIdleTimeout(120)
        // HTTP/1.1 only: Vert.x sends a body with HEAD answers over HTTP/2 (h2c upgrades from plain-HTTP clients
        // such as the JDK's); load balancers and nginx speak HTTP/1.1 to the nodes anyway.
        .setHttp2ClearTextEnabled(false);
    AppConfig.Tls tls = config.security().tls();
    if (tls.enabled()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(tls.certFile().toString()).setKeyPath(tls.keyFile().toString()));
      if (tls.clientCaFile() != null) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaFile().toString()))
            .setClientAuth(ClientAuth.REQUIRED);
      }
    }
    return options;
  }

  /**
   * Every {@code TLS_RELOAD_CHECK_S}: when the TLS files changed, the new pair is checked and served to new connections
   * (open ones keep theirs); a pair that fails the check is logged and the current one kept. The HTTP instances share
   * one server, so one instance watches for all of them.
   */
  public void watchTlsFiles() {
    AppConfig.Tls tls = api.config().security().tls();
    if (!tls.enabled() || tls.reloadCheckSeconds() <= 0 || reloadTimer >= 0) {
      return;
    }
    reloadTimer = vertx.setPeriodic(tls.reloadCheckSeconds() * 1000L, id -> vertx.executeBlocking(() -> {
      String now = ServerTls.fingerprint(tls);
      return now.equals(servedTls) || now.equals(refusedTls) ? null : ServerTls.read(vertx, tls);
    }, false).compose(next -> next == null ? Future.succeededFuture() : server.updateSSLOptions(next.apply(sslOptions), true)
        .onSuccess(updated -> {
          servedTls = next.fingerprint();
          refusedTls = null;
          LOG.info("TLS certificate reloaded from {}: subject {}, serial {}; new connections get it", tls.certFile(),
              next.subject(), next.serial());
        })).onFailure(e -> {
          try {
            refusedTls = ServerTls.fingerprint(tls);
          } catch (java.io.IOException unreadable) {
            refusedTls = null; // unreadable now: try again next time
          }
          LOG.warn("TLS files {} and {} changed but are not served, the current certificate stays: {}", tls.certFile(),
              tls.keyFile(), e.getMessage());
        }));
  }

  /** The bound port (useful with API_PORT=0 in tests). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (reloadTimer >= 0) {
      vertx.cancelTimer(reloadTimer);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
