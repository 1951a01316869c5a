package dev.facerec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * A WebSocket client on a plain socket that does only what a test tells it: it can send frames and never
 * read a reply, the way a stalled or hostile client behaves (library clients always read).
 */
public final class RawWebSocket implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final Random random = new Random(42);

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /** Opens {@code path} on 127.0.0.1:{@code port} with {@code X-API-Key}; fails unless the server answers 101. */
  public static RawWebSocket open(int port, String path, String apiKey) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    byte[] nonce = new byte[16];
    new Random(7).nextBytes(nonce);
    String req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\nX-API-Key: " + apiKey
        + "\r\n\r\n";
    s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        s.close();
        throw new IOException("closed during the handshake: " + head);
      }
      head.append((char) c);
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      s.close();
      throw new IOException("upgrade refused: " + head.toString().lines().findFirst().orElse(""));
    }
    return new RawWebSocket(s);
  }

  /** Sends one masked binary frame (blocks while the server does not read). */
  public void sendBinary(byte[] payload) throws IOException {
    int len = payload.length;
    byte[] header;
    if (len < 126) {
      header = new byte[] {(byte) 0x82, (byte) (0x80 | len)};
    } else if (len < 65536) {
      header = new byte[] {(byte) 0x82, (byte) (0x80 | 126), (byte) (len >> 8), (byte) len};
    } else {
      throw new IllegalArgumentException("frames up to 64 KiB");
    }
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    byte[] masked = new byte[len];
    for (int i = 0; i < len; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    out.write(header);
    out.write(mask);
    out.write(masked);
  }

  @Override
  public void close() throws IOException {
    socket.setSoLinger(true, 0); // reset: nothing more to say, nothing to read
    socket.close();
  }
}
