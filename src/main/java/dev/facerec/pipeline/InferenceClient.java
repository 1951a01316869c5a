package dev.facerec.pipeline;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.InferenceRequest;
import dev.facerec.bus.InferenceResult;
import dev.facerec.cluster.Member;
import dev.facerec.cluster.Membership;
import dev.facerec.cluster.NodeRole;
import dev.facerec.cluster.Routing;
import dev.facerec.metrics.RecognitionMetrics;
import dev.facerec.tracing.Spans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The caller's side of inference, cluster-wide: tries the inference nodes in {@link Routing} order. A node
 * that is full (OVERLOADED), gone or not listening is skipped for the next; only when every inference node
 * refuses does the caller get 503 OVERLOADED. The request's deadline travels with it as a remaining duration.
 */
public final class InferenceClient {
  private final Vertx vertx;
  private final Membership membership;
  private final long timeoutMs;
  private final RecognitionMetrics metrics;
  private final AtomicLong turn = new AtomicLong();
  private final Tracer tracer;

  /** {@code tracer}: a span per inference (null: tracing off). */
  public InferenceClient(Vertx vertx, Membership membership, long timeoutMs, RecognitionMetrics metrics, Tracer tracer) {
    this.vertx = vertx;
    this.membership = membership;
    this.timeoutMs = timeoutMs;
    this.metrics = metrics;
    this.tracer = tracer;
  }

  public Future<InferenceResult> detect(byte[] image, String requestId) {
    return send(Addresses.INFER_DETECT, image, FaceSelection.ALL, requestId);
  }

  public Future<InferenceResult> embed(byte[] image, FaceSelection selection, String requestId) {
    return send(Addresses.INFER_EMBED, image, selection, requestId);
  }

  private Future<InferenceResult> send(String action, byte[] image, FaceSelection selection, String requestId) {
    List<Member> order = Routing.order(membership.withRole(NodeRole.INFERENCE), membership.selfId(), turn.getAndIncrement());
    if (order.isEmpty()) {
      return Future.failedFuture(new FaceException(Failure.OVERLOADED, "no inference node is in the cluster; retry later"));
    }
    // No more time than the HTTP request has left (REQUEST_TIMEOUT_MS), and at most INFERENCE_TIMEOUT_MS.
    long budget = dev.facerec.bus.Deadlines.remainingMs(requestId, timeoutMs);
    if (budget <= 0) {
      return Future.failedFuture(new FaceException(Failure.REQUEST_TIMEOUT, "the request's time ran out before inference"));
    }
    InferenceRequest req = InferenceRequest.within(image, selection.name(), requestId, budget);
    String kind = action.equals(Addresses.INFER_DETECT) ? "detect" : "embed";
    return Spans.around(tracer, "inference " + kind, Attributes.of(ACTION, kind, FACES, selection.name()),
        () -> attempt(order, 0, action, req, Spans.capture(tracer)));
  }

  private static final AttributeKey<String> ACTION = AttributeKey.stringKey("facerec.inference.action");
  private static final AttributeKey<String> FACES = AttributeKey.stringKey("facerec.inference.faces");

  /** {@code span}: the inference's span, current again for each node tried (null: tracing off). */
  private Future<InferenceResult> attempt(List<Member> order, int i, String action, InferenceRequest req, Context span) {
    if (i == order.size()) {
      return Future.failedFuture(new FaceException(Failure.OVERLOADED,
          "every inference node is full (" + order.size() + " node" + (order.size() == 1 ? "" : "s") + "); retry later"));
    }
    if (req.expired()) {
      return Future.failedFuture(new FaceException(Failure.INFERENCE_TIMEOUT, "inference did not answer in time"));
    }
    Member m = order.get(i);
    return vertx.eventBus().<InferenceResult>request(Addresses.node(m.id(), action), req,
            new DeliveryOptions().setSendTimeout(Math.max(1, req.remainingMs())))
        .map(msg -> {
          metrics.inferenceRouted(m.name(), "ok");
          return msg.body();
        })
        .recover(t -> {
          if (skippable(t)) {
            metrics.inferenceRouted(m.name(), Failure.OVERLOADED.name());
            return Spans.within(span, () -> attempt(order, i + 1, action, req, span));
          }
          return mapFailure(t);
        });
  }

  /** Full, gone or unreachable: another node may take it. */
  private static boolean skippable(Throwable t) {
    if (t instanceof ReplyException re) {
      return re.failureType() == ReplyFailure.NO_HANDLERS || re.failureType() == ReplyFailure.ERROR
          || (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && Failure.fromReplyMessage(re.getMessage()) == Failure.OVERLOADED);
    }
    return false;
  }

  /** Maps an event-bus reply failure to the {@link FaceException} it carries (TIMEOUT, NO_HANDLERS, a code). */
  public static <T> Future<T> mapFailure(Throwable t) {
    if (t instanceof ReplyException re) {
      return switch (re.failureType()) {
        case TIMEOUT -> Future.failedFuture(new FaceException(Failure.INFERENCE_TIMEOUT, "inference did not answer in time"));
        case NO_HANDLERS, ERROR -> Future.failedFuture(new FaceException(Failure.OVERLOADED, "no inference worker is available"));
        default -> {
          Failure f = Failure.fromReplyMessage(re.getMessage());
          yield Future.failedFuture(new FaceException(f, Failure.detailOf(re.getMessage())));
        }
      };
    }
    return Future.failedFuture(t);
  }
}
