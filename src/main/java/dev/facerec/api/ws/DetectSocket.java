package dev.facerec.api.ws;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.Errors;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /ws/detect}: each binary message is an image frame; each gets one JSON reply with its sequence
 * number, the faces and the time taken. At most {@code WS_MAX_IN_FLIGHT} frames per connection are being
 * processed; further frames are dropped at once and the reply says so, so a fast sender cannot make the
 * server queue without bound.
 */
public final class DetectSocket {
  private static final Logger LOG = LoggerFactory.getLogger(DetectSocket.class);
  private final ApiContext api;

  public DetectSocket(ApiContext api) {
    this.api = api;
  }

  public void upgrade(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    ctx.request().toWebSocket()
        .onSuccess(ws -> serve(ws, requestId))
        .onFailure(t -> {
          if (!ctx.response().ended()) {
            Errors.send(ctx, Failure.INVALID_REQUEST, "a WebSocket upgrade is required on /ws/detect");
          }
        });
  }

  private void serve(ServerWebSocket ws, String connectionId) {
    int maxInFlight = api.config().websocket().maxInFlight();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong seq = new AtomicLong();
    ws.binaryMessageHandler(frame -> onFrame(ws, frame, seq.incrementAndGet(), inFlight, maxInFlight, connectionId));
    ws.textMessageHandler(text -> ws.writeTextMessage(new JsonObject()
        .put("error", new JsonObject().put("code", Failure.INVALID_REQUEST.name()).put("message", "send images as binary messages"))
        .encode()));
    ws.exceptionHandler(t -> LOG.debug("ws {} error: {}", connectionId, t.toString()));
  }

  private void onFrame(ServerWebSocket ws, Buffer frame, long seq, AtomicInteger inFlight, int maxInFlight, String connectionId) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      write(ws, new JsonObject().put("seq", seq).put("dropped", true)
          .put("error", new JsonObject().put("code", Failure.OVERLOADED.name())
              .put("message", "more than " + maxInFlight + " frames in flight on this connection; frame dropped")));
      return;
    }
    long t0 = System.nanoTime();
    api.inference().detect(frame.getBytes(), connectionId + "/" + seq)
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          JsonObject reply = new JsonObject().put("seq", seq).put("dropped", false);
          if (ar.succeeded()) {
            JsonObject d = dev.facerec.api.http.Detections.toJson(ar.result());
            reply.put("width", d.getInteger("width")).put("height", d.getInteger("height")).put("faces", d.getJsonArray("faces"));
          } else {
            Failure f = ar.cause() instanceof FaceException fe ? fe.failure() : Failure.INTERNAL;
            String msg = ar.cause() instanceof FaceException ? ar.cause().getMessage() : "internal error";
            reply.put("error", new JsonObject().put("code", f.name()).put("message", msg));
          }
          reply.put("millis", Math.round((System.nanoTime() - t0) / 1e4) / 100.0);
          write(ws, reply);
        });
  }

  private static void write(ServerWebSocket ws, JsonObject msg) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(msg.encode());
    }
  }
}
