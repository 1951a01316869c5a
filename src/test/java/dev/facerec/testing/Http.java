package dev.facerec.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A small blocking HTTP client for API tests against a real server on 127.0.0.1. It sends its default
 * headers (usually {@code X-API-Key}) with every request; {@link #withKey}, {@link #withHeader} and
 * {@link #anonymous} make copies with other credentials.
 */
public final class Http {
  private final HttpClient client;
  private final String base;
  private final Map<String, String> headers;

  public Http(int port) {
    this(port, null);
  }

  /** Plain HTTP, sending {@code X-API-Key: apiKey} unless it is null. */
  public Http(int port, String apiKey) {
    this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http://127.0.0.1:" + port,
        apiKey == null ? Map.of() : Map.of("X-API-Key", apiKey));
  }

  public Http(HttpClient client, String base, Map<String, String> headers) {
    this.client = client;
    this.base = base;
    this.headers = Map.copyOf(headers);
  }

  public Http withKey(String apiKey) {
    return new Http(client, base, Map.of("X-API-Key", apiKey));
  }

  /** Only this header as credential (e.g. {@code Authorization: Bearer <jwt>}). */
  public Http withHeader(String name, String value) {
    return new Http(client, base, Map.of(name, value));
  }

  public Http anonymous() {
    return new Http(client, base, Map.of());
  }

  /** Any method; {@code body} null for none. */
  public Res send(String method, String path, String contentType, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public record Res(int status, String body, Map<String, java.util.List<String>> headers) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
          .map(e -> e.getValue().get(0)).orElse(null);
    }

    /** The stable error code: {@code error.code}, or {@code facerec.code} in the CompreFace-shaped errors. */
    public String errorCode() {
      JsonObject j = json();
      return j.containsKey("error") ? j.getJsonObject("error").getString("code") : j.getJsonObject("facerec").getString("code");
    }

    @Override
    public String toString() {
      return status + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
    }
  }

  public Res get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public Res delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  public Res postJson(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Res patchJson(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
  }

  public Res send(String method, String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(json)));
  }

  public Res postRaw(String path, String contentType, byte[] body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** multipart/form-data with one file part per entry (field name → bytes). */
  public Res postFiles(String path, Map<String, byte[]> files) {
    String boundary = "----facerec" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"; filename=\"" + e.getKey()
            + ".img\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(e.getValue());
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
  }

  public Res postFile(String path, byte[] file) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("file", file);
    return postFiles(path, m);
  }

  public Res send(HttpRequest.Builder b) {
    headers.forEach(b::setHeader);
    try {
      HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
      return new Res(r.statusCode(), r.body(), r.headers().map());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
