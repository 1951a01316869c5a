package dev.facerec.tracing;

import dev.facerec.config.AppConfig;
import dev.facerec.config.BuildInfo;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's tracing. Off (no {@code OTEL_EXPORTER_OTLP_ENDPOINT}): no SDK, no tracer for Vert.x, no exporter thread.
 * On: the OpenTelemetry SDK with W3C trace-context propagation, spans batched to {@code <endpoint>/v1/traces} over
 * OTLP/HTTP (protobuf, the JDK's HttpClient), resource {@code service.name=facerec}, the build's version and the node's
 * name; Vert.x makes the spans of HTTP requests and event-bus messages ({@link #vertxTracer()}), the clients of
 * inference and index search make theirs with {@link #tracer()}.
 */
public final class Tracing implements AutoCloseable {
  public static final String SERVICE_NAME = "facerec";
  /** What a node's spans are made with: the scope name on every span of this service's own. */
  public static final String INSTRUMENTATION = "dev.facerec";
  private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
  private static final Tracing OFF = new Tracing(null);

  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
  }

  /** Tracing as configured; {@code nodeName} and {@code roles} go into the resource of every span. */
  public static Tracing start(AppConfig.Tracing config, String nodeName, String roles) {
    if (!config.enabled()) {
      return OFF;
    }
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put(AttributeKey.stringKey("service.name"), SERVICE_NAME)
        .put(AttributeKey.stringKey("service.version"), BuildInfo.version())
        .put(AttributeKey.stringKey("service.instance.id"), nodeName)
        .put(AttributeKey.stringKey("facerec.node.roles"), roles)
        .build()));
    String url = config.endpoint() + "/v1/traces";
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(url).setTimeout(Duration.ofSeconds(10))
        .setMeterProvider(MeterProvider.noop()).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(new QuietProbes(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio()))))
        .addSpanProcessor(new Redaction())
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofSeconds(2))
            .setMeterProvider(MeterProvider.noop()).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    LOG.info("tracing: spans to {} (OTLP/HTTP), service.name {}, node {}, sample ratio {}", url, SERVICE_NAME, nodeName,
        config.sampleRatio());
    return new Tracing(sdk);
  }

  public boolean enabled() {
    return sdk != null;
  }

  /** The tracer Vert.x is built with (HTTP server requests, event-bus messages), or null when tracing is off. */
  public VertxTracerFactory vertxTracer() {
    return sdk == null ? null : new OpenTelemetryTracingFactory(sdk);
  }

  /** This service's own spans, or null when tracing is off (the callers then make none). */
  public Tracer tracer() {
    return sdk == null ? null : sdk.getTracer(INSTRUMENTATION, BuildInfo.version());
  }

  /** Sends the spans still batched (at most 10 s) and stops the exporter. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
