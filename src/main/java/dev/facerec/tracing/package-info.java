/** OpenTelemetry tracing: the SDK and its OTLP/HTTP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set, and the spans of inference and index search. */
package dev.facerec.tracing;
