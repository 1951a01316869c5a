package dev.facerec.bus;

/** A failure with a stable {@link Failure} code and a message safe to show to the client. */
public class FaceException extends RuntimeException {
  private final Failure failure;
  private io.vertx.core.json.JsonObject details;
  private long retryAfterSeconds;

  public FaceException(Failure failure, String message) {
    super(message);
    this.failure = failure;
  }

  public FaceException(Failure failure, String message, Throwable cause) {
    super(message, cause);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }

  /** Machine-readable facts about the failure, sent as {@code error.details} (e.g. the other subject's id). */
  public io.vertx.core.json.JsonObject details() {
    return details;
  }

  /** Seconds after which a retry may succeed, sent as {@code Retry-After} (0: the mapper's default for the code). */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public FaceException retryAfter(long seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  public FaceException withDetails(io.vertx.core.json.JsonObject details) {
    this.details = details;
    return this;
  }
}
