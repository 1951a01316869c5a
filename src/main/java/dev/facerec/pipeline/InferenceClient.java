package dev.facerec.pipeline;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.InferenceRequest;
import dev.facerec.bus.InferenceResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.util.concurrent.Semaphore;

/**
 * The caller's side of inference: a bounded number of requests in flight per node, so a full queue
 * answers at once with {@link Failure#OVERLOADED} instead of letting callers wait without end.
 */
public final class InferenceClient {
  private final Vertx vertx;
  private final Semaphore permits;
  private final int capacity;
  private final long timeoutMs;

  /** {@code capacity} = requests being computed plus requests waiting. Share one instance per node. */
  public InferenceClient(Vertx vertx, int capacity, long timeoutMs) {
    this.vertx = vertx;
    this.capacity = capacity;
    this.permits = new Semaphore(capacity);
    this.timeoutMs = timeoutMs;
  }

  public Future<InferenceResult> detect(byte[] image, String requestId) {
    return send(Addresses.DETECT, image, FaceSelection.ALL, requestId);
  }

  public Future<InferenceResult> embed(byte[] image, FaceSelection selection, String requestId) {
    return send(Addresses.EMBED, image, selection, requestId);
  }

  /** Requests currently holding a slot (computing or queued). */
  public int inFlight() {
    return capacity - permits.availablePermits();
  }

  public int capacity() {
    return capacity;
  }

  private Future<InferenceResult> send(String address, byte[] image, FaceSelection selection, String requestId) {
    if (!permits.tryAcquire()) {
      return Future.failedFuture(new FaceException(Failure.OVERLOADED,
          "the inference queue is full (" + capacity + " requests); retry later"));
    }
    InferenceRequest req = new InferenceRequest(image, selection.name(), requestId, System.currentTimeMillis() + timeoutMs);
    return vertx.eventBus()
        .<InferenceResult>request(address, req, new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(m -> m.body())
        .recover(InferenceClient::mapFailure)
        .andThen(ar -> permits.release());
  }

  /** Maps an event-bus reply failure to the {@link FaceException} it carries (TIMEOUT, NO_HANDLERS, a code). */
  public static <T> Future<T> mapFailure(Throwable t) {
    if (t instanceof ReplyException re) {
      return switch (re.failureType()) {
        case TIMEOUT -> Future.failedFuture(new FaceException(Failure.INFERENCE_TIMEOUT, "inference did not answer in time"));
        case NO_HANDLERS -> Future.failedFuture(new FaceException(Failure.OVERLOADED, "no inference worker is available"));
        default -> {
          Failure f = Failure.fromReplyMessage(re.getMessage());
          yield Future.failedFuture(new FaceException(f, Failure.detailOf(re.getMessage())));
        }
      };
    }
    return Future.failedFuture(t);
  }
}
