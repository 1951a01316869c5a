package dev.facerec.model;

/** A model file is missing, unknown or does not match its manifest entry. */
public class ModelException extends RuntimeException {
  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
