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

/** REQUEST_TIMEOUT_MS answers every slow request, except the operator's index rebuild, which runs as long as it takes. */
class GuardsDeadlineTest {
  private static final long TIMEOUT_MS = 300;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a handler slower than the deadline gets 503 REQUEST_TIMEOUT; the index rebuild gets its own answer")
  void rebuildHasNoDeadline() throws Exception {
    AppConfig config = ConfigLoader.load(Map.of("RATE_LIMIT_ANONYMOUS", "1000"));
    Guards guards = new Guards(new Security(vertx, config, null), false, ClientAddress.trusting(config.api().trustedProxies()),
        new dev.facerec.cluster.NodeState(), TIMEOUT_MS);
    Router router = Router.router(vertx);
    router.route().handler(guards::everyRequest);
    // both answer after three deadlines, as a rebuild of a large gallery does
    router.post("/api/v1/admin/index/rebuild").handler(ctx -> vertx.setTimer(3 * TIMEOUT_MS, t -> ctx.response().end("rebuilt")));
    router.post("/api/v1/detect").handler(ctx -> vertx.setTimer(3 * TIMEOUT_MS, t -> {
      if (!ctx.response().ended()) {
        ctx.response().end("late");
      }
    }));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Http http = new Http(server.actualPort());
    Http.Res slow = http.send("POST", "/api/v1/detect", "{}");
    assertEquals(503, slow.status(), slow.toString());
    assertEquals("REQUEST_TIMEOUT", slow.json().getJsonObject("error").getString("code"));
    Http.Res rebuild = http.send("POST", "/api/v1/admin/index/rebuild", "{}");
    assertEquals(200, rebuild.status(), rebuild.toString());
    assertEquals("rebuilt", rebuild.body());
  }
}
