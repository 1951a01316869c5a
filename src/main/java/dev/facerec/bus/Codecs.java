package dev.facerec.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/** Registers the codec of every message record once per Vert.x instance. */
public final class Codecs {
  private Codecs() {}

  public static void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    bus.registerDefaultCodec(InferenceRequest.class, new RecordCodec<>(InferenceRequest.class, InferenceRequest::toJson, InferenceRequest::fromJson));
    bus.registerDefaultCodec(InferenceResult.class, new RecordCodec<>(InferenceResult.class, InferenceResult::toJson, InferenceResult::fromJson));
    bus.registerDefaultCodec(SearchRequest.class, new RecordCodec<>(SearchRequest.class, SearchRequest::toJson, SearchRequest::fromJson));
    bus.registerDefaultCodec(SearchResult.class, new RecordCodec<>(SearchResult.class, SearchResult::toJson, SearchResult::fromJson));
    bus.registerDefaultCodec(IndexUpdate.class, new RecordCodec<>(IndexUpdate.class, IndexUpdate::toJson, IndexUpdate::fromJson));
  }
}
