package dev.facerec.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ClientAddress;
import dev.facerec.security.Security;
import dev.facerec.testing.Http;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The anonymous budget is kept per client address: the peer, or the forwarded client behind a trusted proxy. */
class GuardsClientAddressTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A server with only the every-request guard; {@code /whoami} answers the address the guards see. */
  private Http serve(String trustedProxies) throws Exception {
    AppConfig config = ConfigLoader.load(Map.of("RATE_LIMIT_ANONYMOUS", "2", "TRUSTED_PROXIES", trustedProxies));
    Guards guards = new Guards(new Security(vertx, config, null), false, ClientAddress.trusting(config.api().trustedProxies()), new dev.facerec.cluster.NodeState(), 30_000);
    Router router = Router.router(vertx);
    router.route().handler(guards::everyRequest);
    router.get("/whoami").handler(ctx -> ctx.response().end(guards.address(ctx)));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Http(server.actualPort());
  }

  @Test
  @DisplayName("behind a trusted proxy each forwarded client has its own budget")
  void forwardedClientsHaveTheirOwnBudget() throws Exception {
    Http proxy = serve("127.0.0.1");
    Http a = proxy.withHeader("X-Forwarded-For", "198.51.100.1");
    Http b = proxy.withHeader("X-Forwarded-For", "6.6.6.6, 198.51.100.2");
    assertEquals("198.51.100.1", a.get("/whoami").body());
    assertEquals(200, a.get("/whoami").status());
    assertEquals(429, a.get("/whoami").status(), "198.51.100.1 has spent its budget of 2");
    assertEquals("198.51.100.2", b.get("/whoami").body(), "the rightmost untrusted entry, not the forged one");
  }

  @Test
  @DisplayName("without TRUSTED_PROXIES X-Forwarded-For changes nothing: every request counts against the peer")
  void untrustedPeerCannotEscapeItsBudget() throws Exception {
    Http direct = serve("");
    assertEquals("127.0.0.1", direct.withHeader("X-Forwarded-For", "198.51.100.1").get("/whoami").body());
    assertEquals(200, direct.withHeader("X-Forwarded-For", "198.51.100.2").get("/whoami").status());
    assertEquals(429, direct.withHeader("X-Forwarded-For", "198.51.100.3").get("/whoami").status());
  }
}
