package dev.facerec.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * A span around an asynchronous step (inference, index search), child of the request's span; the event-bus
 * messages it sends are its children, and carry it to the node that answers. Without a tracer nothing is made.
 */
public final class Spans {
  private Spans() {}

  /** Runs {@code work} in a new span named {@code name}, ended when its future completes (failed: status ERROR). */
  public static <T> Future<T> around(Tracer tracer, String name, Attributes attributes, Supplier<Future<T>> work) {
    if (tracer == null) {
      return work.get();
    }
    Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL).setAllAttributes(attributes).startSpan();
    Future<T> f;
    try (Scope ignored = span.makeCurrent()) {
      f = work.get();
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      span.end();
      throw e;
    }
    return f.andThen(ar -> {
      if (ar.failed()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
      }
      span.end();
    });
  }

  /** The span context to run later steps in (timers, retries), or null without a tracer. */
  public static Context capture(Tracer tracer) {
    return tracer == null ? null : Context.current();
  }

  /** Runs {@code r} with {@code captured} current, so the messages it sends stay children of that span. */
  public static <T> T within(Context captured, Supplier<T> r) {
    if (captured == null) {
      return r.get();
    }
    try (Scope ignored = captured.makeCurrent()) {
      return r.get();
    }
  }
}
