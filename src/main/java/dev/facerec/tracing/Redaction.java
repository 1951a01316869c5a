package dev.facerec.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.regex.Pattern;

/**
 * Credentials never leave in a span: Vert.x records the request's full URL and query, and a browser's WebSocket
 * carries its JWT as {@code ?access_token=}. Such values are replaced before the span is exported.
 */
final class Redaction implements SpanProcessor {
  static final AttributeKey<String> URL = AttributeKey.stringKey("http.url");
  static final AttributeKey<String> QUERY = AttributeKey.stringKey("url.query");
  private static final Pattern SECRET = Pattern.compile("(?i)([?&](?:access_token|token|api_key|apikey|key)=)[^&#]*");

  static String redact(String s) {
    return s == null ? null : SECRET.matcher(s).replaceAll("$1REDACTED");
  }

  @Override
  public void onStart(Context parent, ReadWriteSpan span) {
    String url = span.getAttribute(URL);
    if (url != null && url.indexOf('?') >= 0) {
      span.setAttribute(URL, redact(url));
    }
    String query = span.getAttribute(QUERY);
    if (query != null) {
      span.setAttribute(QUERY, redact("&" + query).substring(1));
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
  }

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
