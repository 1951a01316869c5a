package dev.facerec.smoke;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * {@code smoke --url URL --key-file F}: after a deployment, one request of each kind against the running service —
 * liveness, readiness, health details (admin key), a detect on the bundled sample face, an enroll + identify +
 * delete round trip in a scratch collection of its own, and the metrics page. One line per step with its time;
 * exit 0 when every step passed, else 1 naming the first that failed (the scratch subject is deleted either way).
 */
public final class SmokeCommand {
  static final String USAGE = """
      Usage:
        smoke --url URL --key-file F [--insecure] [--timeout S]
                  URL: the service's base URL (https://host:8443); F: a file holding an admin API key
                  --insecure: accept any TLS certificate (self-signed); --timeout: seconds per request (30)
      """;
  static final String SAMPLE = "/smoke/face.jpg";

  /** A failed step: its answer, kept short. */
  static final class StepFailed extends RuntimeException {
    StepFailed(String message) {
      super(message);
    }
  }

  private final HttpClient client;
  private final String base;
  private final String key;
  private final Duration timeout;
  private final PrintStream out;

  SmokeCommand(HttpClient client, String base, String key, Duration timeout, PrintStream out) {
    this.client = client;
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.key = key;
    this.timeout = timeout;
    this.out = out;
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    String url = null;
    Path keyFile = null;
    boolean insecure = false;
    int timeoutS = 30;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--url" -> url = args[++i];
          case "--key-file" -> keyFile = Path.of(args[++i]);
          case "--insecure" -> insecure = true;
          case "--timeout" -> timeoutS = Integer.parseInt(args[++i]);
          case "--help" -> {
            out.print(USAGE);
            return 0;
          }
          default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
        }
      }
      if (url == null || keyFile == null) {
        throw new IllegalArgumentException("smoke needs --url and --key-file");
      }
      if (timeoutS < 1) {
        throw new IllegalArgumentException("--timeout must be at least 1 second");
      }
    } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      err.println(e instanceof ArrayIndexOutOfBoundsException ? args[args.length - 1] + " needs a value" : e.getMessage());
      err.print(USAGE);
      return 2;
    }
    String key;
    try {
      key = Files.readString(keyFile, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      err.println("smoke: cannot read the key file " + keyFile + ": " + e.getMessage());
      return 2;
    }
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(Math.min(timeoutS, 10)));
    if (insecure) {
      // Self-signed certificates: no chain check, no host name check (the JDK reads this property once, at first use).
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      builder.sslContext(trustAll());
    }
    out.println("smoke: " + url);
    return new SmokeCommand(builder.build(), url, key, Duration.ofSeconds(timeoutS), out).run();
  }

  /** Every step in order; stops at the first failure, but always deletes what it enrolled. */
  int run() {
    long t0 = System.nanoTime();
    String collection = "smoke-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
    String[] subject = new String[1];
    String failed = null;
    try {
      step("liveness", () -> expect(get("/api/v1/health", false), 200));
      step("readiness", () -> expect(get("/api/v1/health/ready", false), 200));
      step("health-details", () -> {
        JsonObject health = json(expect(get("/api/v1/health/details", true), 200));
        if (!"UP".equals(health.getString("status"))) {
          throw new StepFailed("status " + health.getString("status") + ": " + health.encode());
        }
        return "UP";
      });
      byte[] face = sample();
      step("detect", () -> {
        JsonArray faces = json(expect(postImage("/api/v1/detect", face), 200)).getJsonArray("faces");
        if (faces == null || faces.size() != 1) {
          throw new StepFailed("expected 1 face in the sample image, found " + (faces == null ? 0 : faces.size()));
        }
        return "1 face";
      });
      step("enroll", () -> {
        subject[0] = json(expect(postJson("/api/v1/subjects", new JsonObject().put("name", "smoke").put("collection", collection)), 201))
            .getString("id");
        expect(postImage("/api/v1/subjects/" + subject[0] + "/faces", face), 201);
        return "subject " + subject[0] + " in " + collection;
      });
      step("identify", () -> {
        JsonObject found = json(expect(postImage("/api/v1/identify?collection=" + collection + "&largestOnly=true", face), 200))
            .getJsonArray("faces").getJsonObject(0);
        JsonObject who = found.getJsonObject("subject");
        if (!"match".equals(found.getString("decision")) || who == null || !subject[0].equals(who.getString("id"))) {
          throw new StepFailed("expected a match with " + subject[0] + ", got " + found.encode());
        }
        return "match, similarity " + found.getDouble("similarity");
      });
    } catch (StepFailed e) {
      failed = e.getMessage();
    } finally {
      if (subject[0] != null) {
        try {
          step("delete", () -> {
            expect(send(request("/api/v1/subjects/" + subject[0], true).DELETE()), 204);
            return "subject " + subject[0];
          });
        } catch (StepFailed e) {
          failed = failed == null ? e.getMessage() : failed;
        }
      }
    }
    if (failed == null) {
      try {
        step("metrics", () -> {
          String page = expect(get("/metrics", true), 200);
          if (!page.contains("facerec_")) {
            throw new StepFailed("no facerec_ series on the page");
          }
          return page.lines().count() + " lines";
        });
      } catch (StepFailed e) {
        failed = e.getMessage();
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (failed != null) {
      out.println("smoke: FAILED at " + failed + " (" + ms + " ms)");
      return 1;
    }
    out.println("smoke: OK (" + ms + " ms)");
    return 0;
  }

  private interface Step {
    String run();
  }

  /** Runs one step and prints its line; a failure becomes a StepFailed whose message starts with the step's name. */
  private void step(String name, Step step) {
    long t0 = System.nanoTime();
    try {
      String detail = step.run();
      out.printf("  OK    %-15s %6d ms  %s%n", name, (System.nanoTime() - t0) / 1_000_000, detail == null ? "" : detail);
    } catch (RuntimeException e) {
      String why = e instanceof StepFailed ? e.getMessage() : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      out.printf("  FAIL  %-15s %6d ms  %s%n", name, (System.nanoTime() - t0) / 1_000_000, why);
      throw new StepFailed(name + ": " + why);
    }
  }

  private record Answer(int status, String body) {}

  private static String expect(Answer a, int status) {
    if (a.status() != status) {
      String body = a.body().length() > 300 ? a.body().substring(0, 300) + "..." : a.body();
      throw new StepFailed("HTTP " + a.status() + " (expected " + status + ") " + body.strip());
    }
    return a.body();
  }

  private static JsonObject json(String body) {
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      throw new StepFailed("not a JSON object: " + (body.length() > 200 ? body.substring(0, 200) : body));
    }
  }

  private HttpRequest.Builder request(String path, boolean withKey) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    return withKey ? b.header("X-API-Key", key) : b;
  }

  private Answer get(String path, boolean withKey) {
    return send(request(path, withKey).GET());
  }

  private Answer postJson(String path, JsonObject body) {
    return send(request(path, true).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private Answer postImage(String path, byte[] image) {
    String boundary = "smoke" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"face.jpg\"\r\n"
        + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(image);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(request(path, true).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  private Answer send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new StepFailed("no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailed("interrupted");
    }
  }

  private static byte[] sample() {
    try (InputStream in = SmokeCommand.class.getResourceAsStream(SAMPLE)) {
      if (in == null) {
        throw new StepFailed("the sample image " + SAMPLE + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StepFailed("cannot read the sample image: " + e.getMessage());
    }
  }

  private static SSLContext trustAll() {
    TrustManager[] all = {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }};
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, all, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
