package dev.facerec.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Set;

/** Probes and scrapes (liveness, readiness, metrics) make no trace: they would bury the requests that matter. */
final class QuietProbes implements Sampler {
  static final Set<String> QUIET = Set.of("/api/v1/health", "/api/v1/health/ready", "/metrics");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private final Sampler delegate;

  QuietProbes(Sampler delegate) {
    this.delegate = delegate;
  }

  @Override
  public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
      List<LinkData> links) {
    String path = kind == SpanKind.SERVER ? attributes.get(PATH) : null; // event-bus spans are SERVER spans without a path
    if (path != null && QUIET.contains(path)) {
      return SamplingResult.drop();
    }
    return delegate.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  @Override
  public String getDescription() {
    return "QuietProbes{" + delegate.getDescription() + "}";
  }
}
