package dev.facerec.config;

/** A configuration value is missing or malformed; the message is the one line shown at start-up. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
