package dev.facerec.api.ws;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.Errors;
import dev.facerec.api.http.Guards;
import dev.facerec.security.Principal;
import dev.facerec.security.Security;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /ws/detect}: each binary message is an image frame; each gets one JSON reply with its sequence
 * number, the faces and the time taken. At most {@code WS_MAX_IN_FLIGHT} frames per connection are being
 * processed; further frames are dropped at once and the reply says so, so a fast sender cannot make the
 * server queue without bound. Frames over {@code WS_MAX_FRAME_BYTES} are answered WS_FRAME_TOO_LARGE (the
 * server closes the connection, status 1009, beyond twice that). Each credential may hold
 * {@code WS_MAX_CONNECTIONS_PER_KEY} sockets; a revoked or expired credential's sockets are closed (1008). A
 * client that does not read its replies is not read from either, so it cannot grow the server's memory; a
 * draining node answers the frames in flight, then closes each socket with 1001.
 */
public final class DetectSocket {
  private static final Logger LOG = LoggerFactory.getLogger(DetectSocket.class);
  /** The subprotocol the server selects when a client offers it (browsers offer it beside their key, see Guards). */
  public static final String PROTOCOL = "facerec.detect";
  /** WebSocket close status 1008: the credential is no longer valid. */
  static final short POLICY_VIOLATION = 1008;
  private final ApiContext api;

  public DetectSocket(ApiContext api) {
    this.api = api;
  }

  /** Runs behind the DETECT guard: the caller is known; its open sockets are counted and closed on revocation. */
  public void upgrade(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    Principal principal = Guards.principal(ctx);
    Security security = api.security();
    AtomicReference<ServerWebSocket> socket = new AtomicReference<>();
    Runnable close = () -> {
      ServerWebSocket ws = socket.get();
      if (ws != null && !ws.isClosed()) {
        ws.close(POLICY_VIOLATION, "credential revoked or expired");
      }
    };
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      // Vert.x would answer a plain GET with a bare-text 400 of its own; ours has the error body of every route
      Errors.send(ctx, Failure.INVALID_REQUEST, "a WebSocket upgrade is required on /ws/detect");
      return;
    }
    if (!security.openSocket(principal, close)) {
      Errors.send(ctx, Failure.WS_CONNECTION_LIMIT, "this credential already holds "
          + api.config().websocket().maxConnectionsPerKey() + " open WebSockets");
      return;
    }
    ctx.put(Guards.UPGRADED, true); // a socket lives on past REQUEST_TIMEOUT_MS
    ctx.request().toWebSocket()
        .onSuccess(ws -> {
          socket.set(ws);
          if (security.revokedHere(principal.keyId())) {
            close.run(); // revoked while the upgrade was under way
            security.closedSocket(principal, close);
            return;
          }
          if (principal.expiresAtEpochSeconds() > 0) {
            long ms = Math.max(1, principal.expiresAtEpochSeconds() * 1000 - System.currentTimeMillis());
            long timer = ctx.vertx().setTimer(ms, id -> close.run());
            ws.endHandler(v -> ctx.vertx().cancelTimer(timer));
          }
          serve(ws, requestId, () -> security.closedSocket(principal, close));
        })
        .onFailure(t -> {
          security.closedSocket(principal, close);
          if (!ctx.response().ended()) {
            Errors.send(ctx, Failure.INVALID_REQUEST, "a WebSocket upgrade is required on /ws/detect");
          }
        });
  }

  /** WebSocket close status 1001: the server is going away (draining, shutting down). */
  static final short GOING_AWAY = 1001;

  private void serve(ServerWebSocket ws, String connectionId, Runnable onClosed) {
    int maxInFlight = api.config().websocket().maxInFlight();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong seq = new AtomicLong();
    // Draining: frames already taken are answered, then the socket gets a close frame (1001); clients reconnect elsewhere.
    Runnable closeWhenIdle = () -> {
      if (inFlight.get() == 0 && !ws.isClosed()) {
        ws.close(GOING_AWAY, "server shutting down");
      }
    };
    Runnable removeHook = api.state().onDrain(closeWhenIdle);
    // A client that does not read its replies: once they fill the write queue, this socket is not read from
    // until they drain, so the client's frames wait in its own TCP buffers, not in this server's memory.
    ws.drainHandler(v -> ws.resume());
    ws.closeHandler(v -> {
      removeHook.run();
      onClosed.run();
    });
    ws.binaryMessageHandler(frame -> {
      if (api.state().draining()) {
        write(ws, new JsonObject().put("seq", seq.incrementAndGet()).put("dropped", true).put("error", new JsonObject()
            .put("code", Failure.NODE_UNAVAILABLE.name()).put("message", "this node is shutting down; reconnect")));
        closeWhenIdle.run();
        return;
      }
      onFrame(ws, frame, seq.incrementAndGet(), inFlight, maxInFlight, connectionId, closeWhenIdle);
    });
    ws.textMessageHandler(text -> ws.writeTextMessage(new JsonObject()
        .put("error", new JsonObject().put("code", Failure.INVALID_REQUEST.name()).put("message", "send images as binary messages"))
        .encode()));
    ws.exceptionHandler(t -> LOG.debug("ws {} error: {}", connectionId, t.toString()));
  }

  private void onFrame(ServerWebSocket ws, Buffer frame, long seq, AtomicInteger inFlight, int maxInFlight, String connectionId,
      Runnable closeWhenIdle) {
    int maxBytes = api.config().websocket().maxFrameBytes();
    if (frame.length() > maxBytes) {
      write(ws, new JsonObject().put("seq", seq).put("dropped", true)
          .put("error", new JsonObject().put("code", Failure.WS_FRAME_TOO_LARGE.name())
              .put("message", "the frame is " + frame.length() + " bytes; at most " + maxBytes + " are accepted")));
      return;
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      api.metrics().shed(Failure.WS_TOO_MANY_IN_FLIGHT.name());
      write(ws, new JsonObject().put("seq", seq).put("dropped", true)
          .put("error", new JsonObject().put("code", Failure.WS_TOO_MANY_IN_FLIGHT.name())
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
          if (api.state().draining()) {
            closeWhenIdle.run();
          }
        });
  }

  private static void write(ServerWebSocket ws, JsonObject msg) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(msg.encode());
      if (ws.writeQueueFull()) {
        ws.pause();
      }
    }
  }
}
