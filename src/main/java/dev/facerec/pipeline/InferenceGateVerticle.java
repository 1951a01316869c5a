package dev.facerec.pipeline;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.Failure;
import dev.facerec.bus.InferenceRequest;
import dev.facerec.bus.InferenceResult;
import dev.facerec.cluster.NodeState;
import dev.facerec.metrics.RecognitionMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;

/**
 * The door of an inference node, for the whole cluster: takes requests on this node's scoped addresses and
 * hands them to the local workers, at most {@code capacity} at a time (workers plus queue). A full or
 * draining node refuses at once with OVERLOADED, so the caller can try another node instead of waiting.
 */
public final class InferenceGateVerticle extends VerticleBase {
  private final String nodeId;
  private final String nodeName;
  private final int capacity;
  private final NodeState state;
  private final RecognitionMetrics metrics;
  private int inFlight; // event-loop confined
  private List<MessageConsumer<InferenceRequest>> consumers = List.of();

  public InferenceGateVerticle(String nodeId, String nodeName, int capacity, NodeState state, RecognitionMetrics metrics) {
    this.nodeId = nodeId;
    this.nodeName = nodeName;
    this.capacity = capacity;
    this.state = state;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    metrics.gauge(RecognitionMetrics.INFERENCE_IN_FLIGHT, () -> inFlight);
    metrics.gauge(RecognitionMetrics.INFERENCE_CAPACITY, () -> capacity);
    consumers = List.of(
        vertx.eventBus().consumer(Addresses.node(nodeId, Addresses.INFER_DETECT), m -> handle(m, Addresses.DETECT)),
        vertx.eventBus().consumer(Addresses.node(nodeId, Addresses.INFER_EMBED), m -> handle(m, Addresses.EMBED)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  public int inFlight() {
    return inFlight;
  }

  private void handle(Message<InferenceRequest> msg, String local) {
    InferenceRequest req = msg.body();
    if (state.draining() || inFlight >= capacity) {
      metrics.inferenceServed(nodeName, Failure.OVERLOADED.name());
      msg.fail(Failure.OVERLOADED.httpStatus(), Failure.OVERLOADED.replyMessage(state.draining()
          ? "node " + nodeName + " is draining" : "node " + nodeName + " is full (" + capacity + " requests)"));
      return;
    }
    if (req.expired()) {
      msg.fail(Failure.INFERENCE_TIMEOUT.httpStatus(), Failure.INFERENCE_TIMEOUT.replyMessage("request expired before it reached a worker"));
      return;
    }
    inFlight++;
    vertx.eventBus().<InferenceResult>request(local, req, new DeliveryOptions().setLocalOnly(true).setSendTimeout(Math.max(1, req.remainingMs())))
        .onComplete(ar -> {
          inFlight--;
          if (ar.succeeded()) {
            metrics.inferenceServed(nodeName, "ok");
            msg.reply(ar.result().body().withNode(nodeName));
          } else if (ar.cause() instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
            Failure f = Failure.fromReplyMessage(re.getMessage());
            metrics.inferenceServed(nodeName, f.name());
            msg.fail(re.failureCode(), re.getMessage());
          } else {
            metrics.inferenceServed(nodeName, Failure.INFERENCE_TIMEOUT.name());
            msg.fail(Failure.INFERENCE_TIMEOUT.httpStatus(), Failure.INFERENCE_TIMEOUT.replyMessage("inference did not answer in time"));
          }
        });
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
  }
}
