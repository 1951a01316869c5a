package dev.facerec.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What operators graph besides the service's own meters: JVM (heap, GC, threads, classes), process (CPU, open
 * files, resident memory, uptime), a build-info gauge, and each local index replica's size per collection.
 */
public final class ProcessMetrics {
  private ProcessMetrics() {}

  @SuppressWarnings("resource") // JvmGcMetrics lives as long as the registry
  public static void bind(MeterRegistry registry, String profile) {
    // promtool lint: no abbreviated units (process_cpu_time_ns_total), no _count suffix outside histograms (system_cpu_count)
    registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith("system.cpu.count"));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("process.resident.memory", ProcessMetrics::residentBytes).baseUnit("bytes")
        .description("resident set size of the process (VmRSS)").register(registry);
    Gauge.builder(RecognitionMetrics.BUILD_INFO, () -> 1).description("the running build: version and model profile")
        .tag("version", dev.facerec.config.BuildInfo.version()).tag("profile", profile).register(registry);
  }

  /** Every 5 s: the faces of each collection in this node's index replica. */
  public static void indexSizes(Vertx vertx, MeterRegistry registry, dev.facerec.index.IndexClient index, String selfId) {
    MultiGauge sizes = MultiGauge.builder(RecognitionMetrics.INDEX_FACES)
        .description("faces in this node's index replica, per collection").register(registry);
    vertx.setPeriodic(1000, 5_000, id -> index.statuses().onSuccess(list -> list.stream()
        .filter(j -> selfId.equals(j.getString("node")) && j.getJsonArray("collections") != null).findFirst()
        .ifPresent(own -> {
          List<MultiGauge.Row<?>> rows = new ArrayList<>();
          own.getJsonArray("collections").forEach(o -> {
            JsonObject c = (JsonObject) o;
            rows.add(MultiGauge.Row.of(Tags.of("collection", c.getString("collection")), c.getInteger("size", 0)));
          });
          sizes.register(rows, true);
        })));
  }

  static double residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no value
    }
    return Double.NaN;
  }
}
