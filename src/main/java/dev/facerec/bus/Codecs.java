package dev.facerec.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.List;

/** Registers the codec of every message record once per Vert.x instance. */
public final class Codecs {
  private Codecs() {}

  /** Every codec, for registration and for the round-trip test. */
  public static List<RecordCodec<?>> all() {
    return List.of(
        new RecordCodec<>(InferenceRequest.class, InferenceRequest::toWire, InferenceRequest::fromWire),
        new RecordCodec<>(InferenceResult.class, InferenceResult::toWire, InferenceResult::fromWire),
        new RecordCodec<>(SearchRequest.class, SearchRequest::toWire, SearchRequest::fromWire),
        new RecordCodec<>(SearchResult.class, SearchResult::toWire, SearchResult::fromWire),
        new RecordCodec<>(IndexChange.class, IndexChange::toWire, IndexChange::fromWire));
  }

  public static void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    bus.registerDefaultCodec(InferenceRequest.class, codec(InferenceRequest.class));
    bus.registerDefaultCodec(InferenceResult.class, codec(InferenceResult.class));
    bus.registerDefaultCodec(SearchRequest.class, codec(SearchRequest.class));
    bus.registerDefaultCodec(SearchResult.class, codec(SearchResult.class));
    bus.registerDefaultCodec(IndexChange.class, codec(IndexChange.class));
  }

  @SuppressWarnings("unchecked")
  public static <T> RecordCodec<T> codec(Class<T> type) {
    return (RecordCodec<T>) all().stream().filter(c -> c.name().equals("facerec." + type.getSimpleName())).findFirst().orElseThrow();
  }
}
