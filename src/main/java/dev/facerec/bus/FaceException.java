package dev.facerec.bus;

/** A failure with a stable {@link Failure} code and a message safe to show to the client. */
public class FaceException extends RuntimeException {
  private final Failure failure;

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
}
