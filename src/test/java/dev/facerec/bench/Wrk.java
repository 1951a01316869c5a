package dev.facerec.bench;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Load from Debian's wrk, a separate process, so the load generator's cost is not the service JVM's. */
final class Wrk {
  /** What one run printed: requests/s, latency percentiles in ms, answers that were not 2xx/3xx, socket errors. */
  record Result(double reqPerSec, double p50, double p90, double p99, long non2xx, String socketErrors, String output) {
    String row() {
      return String.format("%.1f | %.1f | %.1f | %.1f | %d", reqPerSec, p50, p90, p99, non2xx);
    }
  }

  private Wrk() {}

  /** {@code wrk --latency -s lua} against 127.0.0.1:port with {@code connections} (at most 2 wrk threads). */
  static Result run(int port, Path lua, int connections, int seconds) throws Exception {
    int threads = Math.min(2, connections);
    Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "30s", "--latency",
        "-s", lua.toString(), "http://127.0.0.1:" + port).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("wrk failed: " + out);
    }
    return new Result(Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)", "0")), ms(find(out, "50%\\s+([0-9.]+\\w+)", "0ms")),
        ms(find(out, "90%\\s+([0-9.]+\\w+)", "0ms")), ms(find(out, "99%\\s+([0-9.]+\\w+)", "0ms")),
        Long.parseLong(find(out, "Non-2xx or 3xx responses:\\s+(\\d+)", "0")), find(out, "Socket errors:\\s+(.*)", "none"), out);
  }

  /**
   * A wrk script that posts {@code path} with the files listed in {@code list} (one path a line) as raw image bodies, in
   * turn, so no image is sent twice in a row and no cache can help.
   */
  static String cyclingScript(Path list, String path, String apiKey) {
    return "local bodies = {}\n"
        + "for p in io.lines(\"" + list + "\") do\n"
        + "  local f = assert(io.open(p, \"rb\")); bodies[#bodies + 1] = f:read(\"*a\"); f:close()\n"
        + "end\n"
        + "local i = 0\n"
        + "local headers = { [\"Content-Type\"] = \"image/jpeg\", [\"X-API-Key\"] = \"" + apiKey + "\" }\n"
        + "request = function()\n"
        + "  i = i % #bodies + 1\n"
        + "  return wrk.format(\"POST\", \"" + path + "\", headers, bodies[i])\n"
        + "end\n";
  }

  static String find(String text, String regex, String dflt) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : dflt;
  }

  /** wrk prints 12.34ms, 1.20s, 2.00m or 950.00us: as milliseconds. */
  static double ms(String v) {
    Matcher m = Pattern.compile("([0-9.]+)(us|ms|s|m)").matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a wrk duration: " + v);
    }
    double d = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> d / 1000;
      case "s" -> d * 1000;
      case "m" -> d * 60_000;
      default -> d;
    };
  }
}
