package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * JWT keys fetched from an identity provider: a JWKS server inside the test (127.0.0.1) that counts its requests, a
 * node (in this JVM, the test PostgreSQL) configured with its URL. The provider is down at the start, comes up, adds a
 * key, is probed by tokens with made-up key ids, and drops a key; no restart at any point.
 */
class JwksIT {
  static final String ISSUER = "https://idp.test";
  static final String AUDIENCE = "facerec";
  static final int UNKNOWN_KID_INTERVAL_S = 2;

  /** What the test's identity provider serves: status, keys, Cache-Control max-age; and how often it was asked. */
  static final class Provider implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicReference<Integer> status = new AtomicReference<>(503);
    final AtomicReference<JsonArray> keys = new AtomicReference<>(new JsonArray());
    final AtomicReference<Integer> maxAge = new AtomicReference<>(600);

    Provider() throws Exception {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/jwks.json", ex -> {
        requests.incrementAndGet();
        byte[] body = new JsonObject().put("keys", keys.get()).encode().getBytes(StandardCharsets.UTF_8);
        if (status.get() != 200) {
          body = "down".getBytes(StandardCharsets.UTF_8);
        }
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("Cache-Control", "public, max-age=" + maxAge.get());
        ex.sendResponseHeaders(status.get(), body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    void serve(int maxAgeSeconds, JsonObject... jwks) {
      maxAge.set(maxAgeSeconds);
      keys.set(new JsonArray(Arrays.asList((Object[]) jwks)));
      status.set(200);
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  @DisplayName("keys from the provider's JWKS: refused with 503 until they arrive, a new kid works without a restart, made-up kids cost at most one fetch per interval, a removed key is refused after the refresh")
  void followsTheProvidersKeys() throws Exception {
    KeyPair a = generate("RSA");
    KeyPair b = generate("EC");
    KeyPair attacker = generate("RSA");
    String schema = TestNode.schema("jwksit");
    String adminKey = ApiKeys.generate();
    Service service = null;
    try (Provider idp = new Provider()) {
      Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"),
          Files.createTempDirectory("jwksit").resolve("data"), schema, adminKey);
      env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
      env.put("JWT_JWKS_URL", idp.url());
      env.put("JWT_ISSUER", ISSUER);
      env.put("JWT_AUDIENCE", AUDIENCE);
      env.put("JWT_JWKS_REFRESH_MIN_S", "1");
      env.put("JWT_JWKS_REFRESH_MAX_S", "600");
      env.put("JWT_JWKS_UNKNOWN_KID_INTERVAL_S", String.valueOf(UNKNOWN_KID_INTERVAL_S));
      env.put("AUTH_FAILURES_BEFORE_BACKOFF", "10000"); // every bad token must reach the verifier
      env.put("RATE_LIMIT_ANONYMOUS", "100000");
      env.put("RATE_LIMIT_ENROLL", "100000");

      // 1. The provider is down: the node starts all the same, and a JWT is refused with a code that says why.
      service = Service.start(ConfigLoader.load(env));
      Http http = new Http(service.port());
      String tokenA = token("RS256", "key-a", a.getPrivate());
      Http.Res r = call(http, tokenA);
      assertEquals(503, r.status(), r.toString());
      assertEquals("JWT_KEYS_UNAVAILABLE", r.errorCode());

      // 2. The provider comes up: the node's retries (1, 2, 4... s) fetch key A; no restart.
      idp.serve(600, jwk("key-a", a));
      long t0 = System.nanoTime();
      while (call(http, tokenA).status() != 200) {
        assertTrue(System.nanoTime() - t0 < 30e9, "key A not fetched within 30 s");
        Thread.sleep(200);
      }
      System.out.printf("key A accepted %.1f s after the provider came up (%d fetches so far)%n", (System.nanoTime() - t0) / 1e9,
          idp.requests.get());

      // 3. Rotation at the provider: key B (ES256) is added; its first token makes the node fetch once.
      idp.serve(600, jwk("key-a", a), jwk("key-b", b));
      Thread.sleep(UNKNOWN_KID_INTERVAL_S * 1000L + 200);
      int before = idp.requests.get();
      assertEquals(200, call(http, token("ES256", "key-b", b.getPrivate())).status(), "a token of the new key B");
      assertEquals(200, call(http, tokenA).status(), "A still served");
      assertEquals(1, idp.requests.get() - before, "one fetch for the unknown kid B");

      // 4. An attacker's tokens with made-up key ids: 40 at once share one fetch; a steady stream for 5 s fetches at
      // most once per interval.
      Thread.sleep(UNKNOWN_KID_INTERVAL_S * 1000L + 200);
      before = idp.requests.get();
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 40; i++) {
        burst.add(client.sendAsync(request(service.port(), token("RS256", UUID.randomUUID().toString(), attacker.getPrivate())),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : burst) {
        HttpResponse<String> res = f.get();
        assertEquals(401, res.statusCode(), res.body());
        assertEquals("UNAUTHENTICATED", new JsonObject(res.body()).getJsonObject("error").getString("code"));
      }
      int burstFetches = idp.requests.get() - before;
      System.out.printf("40 concurrent tokens with unknown kids: %d fetch(es)%n", burstFetches);
      assertTrue(burstFetches <= 1, burstFetches + " fetches for one burst");

      before = idp.requests.get();
      long s0 = System.nanoTime();
      int sent = 0;
      while (System.nanoTime() - s0 < 5e9) {
        assertEquals(401, call(http, token("RS256", UUID.randomUUID().toString(), attacker.getPrivate())).status());
        sent++;
        Thread.sleep(20);
      }
      double seconds = (System.nanoTime() - s0) / 1e9;
      int streamFetches = idp.requests.get() - before;
      int bound = (int) Math.ceil(seconds / UNKNOWN_KID_INTERVAL_S) + 1;
      System.out.printf("%d tokens with unknown kids in %.1f s: %d fetch(es) (bound %d)%n", sent, seconds, streamFetches, bound);
      assertTrue(streamFetches <= bound, streamFetches + " fetches in " + seconds + " s, more than " + bound);

      // 5. The provider announces max-age=1 (learnt on the next fetch), then drops key A: without any token asking,
      // the periodic refresh picks it up, and A's tokens are refused from then on; B's still pass.
      idp.serve(1, jwk("key-a", a), jwk("key-b", b));
      Thread.sleep(UNKNOWN_KID_INTERVAL_S * 1000L + 200);
      assertEquals(401, call(http, token("RS256", "key-c", attacker.getPrivate())).status(), "a fetch that learns max-age=1");
      idp.serve(1, jwk("key-b", b));
      before = idp.requests.get();
      long p0 = System.nanoTime();
      while (idp.requests.get() - before < 2) {
        assertTrue(System.nanoTime() - p0 < 10e9, "no periodic refresh within 10 s of max-age=1");
        Thread.sleep(50);
      }
      System.out.printf("2 periodic refreshes %.1f s after max-age=1%n", (System.nanoTime() - p0) / 1e9);
      r = call(http, tokenA);
      assertEquals(401, r.status(), "key A was removed at the provider: " + r);
      assertEquals("UNAUTHENTICATED", r.errorCode());
      assertEquals(200, call(http, token("ES256", "key-b", b.getPrivate())).status(), "key B stays");
    } finally {
      if (service != null) {
        service.close();
      }
      TestNode.dropSchema(schema);
    }
  }

  static Http.Res call(Http http, String token) {
    return http.withHeader("Authorization", "Bearer " + token).get("/api/v1/subjects");
  }

  static HttpRequest request(int port, String token) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/subjects"))
        .header("Authorization", "Bearer " + token).GET().build();
  }

  static KeyPair generate(String kind) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(kind);
    if (kind.equals("EC")) {
      g.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  /** The public JWK of a key pair, as an identity provider publishes it. */
  static JsonObject jwk(String kid, KeyPair pair) {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      return new JsonObject().put("kty", "RSA").put("kid", kid).put("use", "sig").put("alg", "RS256")
          .put("n", b.encodeToString(unsigned(rsa.getModulus(), 0))).put("e", b.encodeToString(unsigned(rsa.getPublicExponent(), 0)));
    }
    ECPublicKey ec = (ECPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "EC").put("kid", kid).put("use", "sig").put("crv", "P-256")
        .put("x", b.encodeToString(unsigned(ec.getW().getAffineX(), 32))).put("y", b.encodeToString(unsigned(ec.getW().getAffineY(), 32)));
  }

  /** Big-endian bytes without the sign byte, left-padded to {@code length} when given. */
  static byte[] unsigned(BigInteger v, int length) {
    byte[] raw = v.toByteArray();
    if (raw.length > 1 && raw[0] == 0) {
      raw = Arrays.copyOfRange(raw, 1, raw.length);
    }
    if (length > raw.length) {
      byte[] padded = new byte[length];
      System.arraycopy(raw, 0, padded, length - raw.length, raw.length);
      return padded;
    }
    return raw;
  }

  /** A JWT with the enroll role, signed by {@code key} and naming {@code kid}. */
  static String token(String alg, String kid, PrivateKey key) throws Exception {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    long now = System.currentTimeMillis() / 1000;
    JsonObject header = new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", kid);
    JsonObject claims = new JsonObject().put("sub", "svc-jwks").put("iss", ISSUER).put("aud", AUDIENCE).put("iat", now)
        .put("exp", now + 300).put("roles", new JsonArray().add("enroll"));
    String input = b.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance(alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.UTF_8));
    return input + "." + b.encodeToString(s.sign());
  }
}
