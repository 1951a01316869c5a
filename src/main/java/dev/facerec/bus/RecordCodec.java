package dev.facerec.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.function.Function;

/**
 * Codec for an immutable message record: passed by reference within a JVM, in its {@link Wire} form
 * between cluster nodes.
 */
public final class RecordCodec<T> implements MessageCodec<T, T> {
  private final Class<T> type;
  private final Function<T, Wire> toWire;
  private final Function<Wire, T> fromWire;

  RecordCodec(Class<T> type, Function<T, Wire> toWire, Function<Wire, T> fromWire) {
    this.type = type;
    this.toWire = toWire;
    this.fromWire = fromWire;
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    toWire.apply(t).writeTo(buffer);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    return fromWire.apply(Wire.readFrom(pos, buffer));
  }

  @Override
  public T transform(T t) {
    return t; // records are immutable: safe to share within the JVM
  }

  @Override
  public String name() {
    return "facerec." + type.getSimpleName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
