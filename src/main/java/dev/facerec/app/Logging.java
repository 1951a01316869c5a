package dev.facerec.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Applies LOG_LEVEL, LOG_FORMAT and ACCESS_LOG once the configuration is validated. {@code json} writes one JSON
 * object per line with the field names log pipelines expect (logstash-logback-encoder): {@code @timestamp}
 * (ISO-8601), {@code level}, {@code logger_name}, {@code thread_name}, {@code message}, and the MDC's
 * {@code request_id}, {@code trace_id}, {@code key_id}.
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

  static void configure(String level, String format, boolean accessLog) {
    configure(level, format);
    if (LoggerFactory.getLogger(dev.facerec.api.http.AccessLog.LOGGER) instanceof Logger access) {
      access.setLevel(accessLog ? Level.INFO : Level.OFF);
    }
  }

  static void configure(String level, String format) {
    if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) {
      return;
    }
    root.setLevel(Level.toLevel(level, Level.INFO));
    if ("json".equals(format) && root.getAppender("TEXT") instanceof ConsoleAppender<ILoggingEvent> console) {
      LoggerContext context = root.getLoggerContext();
      net.logstash.logback.encoder.LogstashEncoder json = new net.logstash.logback.encoder.LogstashEncoder();
      json.setContext(context);
      json.setIncludeContext(false);
      json.setTimestampPattern("[ISO_OFFSET_DATE_TIME]");
      json.start();
      console.stop();
      console.setEncoder(json);
      console.start();
    }
  }
}
