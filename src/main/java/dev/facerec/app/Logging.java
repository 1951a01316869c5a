package dev.facerec.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Applies LOG_LEVEL and LOG_FORMAT once the configuration is validated. {@code json} writes one JSON object
 * per line (timestamp, level, logger, thread, message) for log aggregation.
 */
final class Logging {
  private Logging() {}

  /** For commands whose standard output is their answer (JSON): warnings only, on standard error. */
  static void toStderr() {
    if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) {
      return;
    }
    root.setLevel(Level.WARN);
    root.iteratorForAppenders().forEachRemaining(a -> {
      if (a instanceof ConsoleAppender<ILoggingEvent> console) {
        console.stop();
        console.setTarget("System.err");
        console.start();
      }
    });
  }

  static void configure(String level, String format) {
    if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) {
      return;
    }
    root.setLevel(Level.toLevel(level, Level.INFO));
    if ("json".equals(format) && root.getAppender("TEXT") instanceof ConsoleAppender<ILoggingEvent> console) {
      LoggerContext context = root.getLoggerContext();
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithFormattedMessage(true);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.start();
      console.stop();
      console.setEncoder(json);
      console.start();
    }
  }
}
