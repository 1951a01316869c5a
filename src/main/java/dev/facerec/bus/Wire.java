package dev.facerec.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a message between nodes: a small JSON header and binary attachments (images,
 * embeddings) carried as raw bytes, never base64. Layout: version byte, header length and UTF-8 JSON,
 * attachment count, then each attachment's length and bytes. A node refuses a version it does not know.
 */
public record Wire(JsonObject header, List<byte[]> blobs) {
  public static final byte VERSION = 1;

  public Wire(JsonObject header) {
    this(header, new ArrayList<>());
  }

  /** Adds an attachment and returns its index (stored in the header by the message). */
  public int attach(byte[] blob) {
    blobs.add(blob);
    return blobs.size() - 1;
  }

  public byte[] blob(int index) {
    return blobs.get(index);
  }

  public void writeTo(Buffer buffer) {
    Buffer json = header.toBuffer();
    buffer.appendByte(VERSION).appendInt(json.length()).appendBuffer(json).appendInt(blobs.size());
    for (byte[] b : blobs) {
      buffer.appendInt(b.length).appendBytes(b);
    }
  }

  public static Wire readFrom(int pos, Buffer buffer) {
    byte version = buffer.getByte(pos);
    if (version != VERSION) {
      throw new IllegalStateException("wire version " + version + " is not supported (this node speaks " + VERSION + ")");
    }
    int p = pos + 1;
    int len = buffer.getInt(p);
    p += 4;
    JsonObject header = new JsonObject(buffer.getBuffer(p, p + len));
    p += len;
    int n = buffer.getInt(p);
    p += 4;
    List<byte[]> blobs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int bl = buffer.getInt(p);
      p += 4;
      blobs.add(buffer.getBytes(p, p + bl));
      p += bl;
    }
    return new Wire(header, blobs);
  }
}
