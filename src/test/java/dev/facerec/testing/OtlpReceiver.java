package dev.facerec.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts {@code POST /v1/traces} (protobuf, gzip or not) and
 * keeps the spans. The protobuf is read by a few lines below (the fields of opentelemetry-proto's trace.proto the
 * tests look at), so no protobuf library is needed.
 */
public final class OtlpReceiver implements AutoCloseable {
  /** One span as received; ids in lower-case hex (empty parent: a root span), attribute values as strings. */
  public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
      Map<String, String> attributes, Map<String, String> resource) {
    public static final int INTERNAL = 1;
    public static final int SERVER = 2;
    public static final int CLIENT = 3;
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final AtomicInteger posts = new AtomicInteger();

  public OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", ex -> {
      try (InputStream in = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))
          ? new GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody()) {
        byte[] body = in.readAllBytes();
        if (!"POST".equals(ex.getRequestMethod())) {
          ex.sendResponseHeaders(405, -1);
          return;
        }
        posts.incrementAndGet();
        new Proto(body).each((field, value) -> {
          if (field == 1) {
            resourceSpans(value);
          }
        });
        ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        ex.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
      } catch (RuntimeException e) {
        ex.sendResponseHeaders(400, -1);
      } finally {
        ex.close();
      }
    });
    server.start();
  }

  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** Export requests received. */
  public int posts() {
    return posts.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void resourceSpans(Proto rs) {
    Map<String, String> resource = new HashMap<>();
    rs.each((field, value) -> {
      if (field == 1) {
        value.each((f, kv) -> {
          if (f == 1) {
            keyValue(kv, resource);
          }
        });
      }
    });
    rs.each((field, scopeSpans) -> {
      if (field == 2) {
        scopeSpans.each((f, span) -> {
          if (f == 2) {
            spans.add(span(span, Map.copyOf(resource)));
          }
        });
      }
    });
  }

  private static ReceivedSpan span(Proto p, Map<String, String> resource) {
    String[] ids = {"", "", ""};
    String[] name = {""};
    int[] kind = {0};
    Map<String, String> attributes = new HashMap<>();
    p.each((field, value) -> {
      switch (field) {
        case 1 -> ids[0] = value.hex();
        case 2 -> ids[1] = value.hex();
        case 4 -> ids[2] = value.hex();
        case 5 -> name[0] = value.text();
        case 6 -> kind[0] = (int) value.number;
        case 9 -> keyValue(value, attributes);
        default -> { }
      }
    });
    return new ReceivedSpan(ids[0], ids[1], ids[2], name[0], kind[0], Map.copyOf(attributes), resource);
  }

  private static void keyValue(Proto kv, Map<String, String> into) {
    String[] key = {null};
    String[] val = {null};
    kv.each((field, value) -> {
      if (field == 1) {
        key[0] = value.text();
      } else if (field == 2) {
        value.each((f, any) -> {
          switch (f) {
            case 1 -> val[0] = any.text();
            case 2 -> val[0] = String.valueOf(any.number != 0);
            case 3 -> val[0] = String.valueOf(any.number);
            case 4 -> val[0] = String.valueOf(Double.longBitsToDouble(any.number));
            default -> val[0] = "?";
          }
        });
      }
    });
    if (key[0] != null) {
      into.put(key[0], val[0] == null ? "" : val[0]);
    }
  }

  /** A protobuf message (or one field's value: {@link #number} for varints and fixed, bytes otherwise). */
  static final class Proto {
    final byte[] buf;
    final int from;
    final int to;
    long number;

    Proto(byte[] buf) {
      this(buf, 0, buf.length);
    }

    Proto(byte[] buf, int from, int to) {
      this.buf = buf;
      this.from = from;
      this.to = to;
    }

    interface Field {
      void accept(int field, Proto value);
    }

    void each(Field f) {
      int[] pos = {from};
      while (pos[0] < to) {
        long tag = varint(pos);
        int field = (int) (tag >>> 3);
        Proto value;
        switch ((int) (tag & 7)) {
          case 0 -> {
            value = new Proto(buf, pos[0], pos[0]);
            value.number = varint(pos);
          }
          case 1 -> {
            value = new Proto(buf, pos[0], pos[0] + 8);
            value.number = ByteBuffer.wrap(buf, pos[0], 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            pos[0] += 8;
          }
          case 2 -> {
            int len = (int) varint(pos);
            value = new Proto(buf, pos[0], pos[0] + len);
            pos[0] += len;
          }
          case 5 -> {
            value = new Proto(buf, pos[0], pos[0] + 4);
            value.number = ByteBuffer.wrap(buf, pos[0], 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos[0] += 4;
          }
          default -> throw new IllegalArgumentException("wire type " + (tag & 7));
        }
        f.accept(field, value);
      }
    }

    private long varint(int[] pos) {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf[pos[0]++];
        v |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    String text() {
      return new String(buf, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
    }

    String hex() {
      return HexFormat.of().formatHex(buf, from, to);
    }
  }
}
