package dev.facerec.app;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native libraries write to the process's standard error directly: libjpeg and libpng (inside OpenCV) print a
 * line for each corrupt upload ("Corrupt JPEG data: premature end of data segment", "libpng error: ..."), which
 * floods the log with lines in no log format. This points file descriptor 2 at a pipe whose lines go through the
 * logger {@code native.stderr}: the decoders' known complaints about client data at DEBUG, anything else at
 * WARN. Java's own {@link System#err} keeps writing to the original standard error. Linux only; elsewhere, or if
 * anything fails, standard error stays as it was.
 */
final class NativeStderr {
  private static final Logger LOG = LoggerFactory.getLogger("native.stderr");
  /** What the image decoders say about a bad upload: the client's problem, already answered with a code. */
  private static final Pattern DECODER_NOISE = Pattern.compile(
      "^(Corrupt JPEG data|Premature end of JPEG|Invalid JPEG|Warning: unknown JFIF|libpng (error|warning)|Unsupported marker|"
          + "Not a JPEG|Bogus|\\[ ?WARN:|imread_|.*imgcodecs).*");

  private NativeStderr() {}

  private interface C extends Library {
    int pipe(int[] fds);

    int dup(int fd);

    int dup2(int from, int to);

    int close(int fd);

    long read(int fd, byte[] buf, long count);

    long write(int fd, byte[] buf, long count);
  }

  static void route() {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      return;
    }
    try {
      C c = Native.load("c", C.class);
      int[] fds = new int[2];
      if (c.pipe(fds) != 0) {
        return;
      }
      int original = c.dup(2);
      if (original < 0) {
        return;
      }
      System.setErr(new PrintStream(new FdStream(c, original), true, StandardCharsets.UTF_8));
      if (c.dup2(fds[1], 2) < 0) {
        return;
      }
      c.close(fds[1]);
      Thread pump = new Thread(() -> pump(c, fds[0]), "native-stderr");
      pump.setDaemon(true);
      pump.start();
      LOG.debug("native standard error routed through the logger");
    } catch (Throwable t) {
      LOG.debug("native standard error left as it is: {}", t.toString());
    }
  }

  private static void pump(C c, int fd) {
    byte[] buf = new byte[8192];
    StringBuilder line = new StringBuilder();
    while (true) {
      long n = c.read(fd, buf, buf.length);
      if (n <= 0) {
        return;
      }
      String chunk = new String(buf, 0, (int) n, StandardCharsets.UTF_8);
      for (int i = 0; i < chunk.length(); i++) {
        char ch = chunk.charAt(i);
        if (ch == '\n' || line.length() > 4000) {
          emit(line.toString());
          line.setLength(0);
        } else if (ch != '\r') {
          line.append(ch);
        }
      }
    }
  }

  private static void emit(String line) {
    if (line.isBlank()) {
      return;
    }
    if (DECODER_NOISE.matcher(line).matches()) {
      LOG.debug("{}", line);
    } else {
      LOG.warn("{}", line);
    }
  }

  /** Writes to a raw file descriptor (the original standard error). */
  private static final class FdStream extends OutputStream {
    private final C c;
    private final int fd;

    FdStream(C c, int fd) {
      this.c = c;
      this.fd = fd;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      byte[] part = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off, off + len);
      int done = 0;
      while (done < part.length) {
        byte[] rest = done == 0 ? part : java.util.Arrays.copyOfRange(part, done, part.length);
        long n = c.write(fd, rest, rest.length);
        if (n <= 0) {
          return;
        }
        done += (int) n;
      }
    }
  }
}
