package dev.facerec.security;

import dev.facerec.config.AppConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity provider's signing keys (a JWKS document at {@code JWT_JWKS_URL}, or at the {@code jwks_uri} that
 * OpenID discovery names). Fetched at start, then again after the answer's {@code Cache-Control: max-age} bounded to
 * the configured minimum and maximum; a failed fetch is retried after 1, 2, 4... s (at most a minute). A token naming
 * an unknown {@code kid} may ask for a fetch ({@link #refetch()}): callers meanwhile share the fetch in flight, and
 * at most one such fetch starts per {@code JWT_JWKS_UNKNOWN_KID_INTERVAL_S}, so tokens with made-up key ids cannot
 * make the node fetch in a loop. Each new key set is handed to {@code onKeys}.
 */
final class RemoteKeys {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteKeys.class);
  static final int TIMEOUT_MS = 5_000;
  static final int MAX_BYTES = 1 << 20;
  static final long MAX_BACKOFF_S = 60;
  private static final Pattern MAX_AGE = Pattern.compile("(?i)(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d+)");
  private static final Map<String, String> EC_ALGORITHMS = Map.of("P-256", "ES256", "P-384", "ES384", "P-521", "ES512");

  /** The usable signing keys of one answer (JWKs with their {@code alg} set) and their key ids. */
  record KeySet(List<JsonObject> keys, Set<String> kids) {}

  private final Vertx vertx;
  private final AppConfig.Jwks config;
  private final String issuer;
  private final Consumer<KeySet> onKeys;
  private final LongSupplier clock;
  private final HttpClient client;
  /** Every fetch runs on this context, whoever asked for it. */
  private final Context context;

  // guarded by this
  private Future<KeySet> inFlight;
  private long lastStartMs = Long.MIN_VALUE / 2;
  private int failures;
  private long timer = -1;
  private String jwksUrl;

  private volatile KeySet current;
  private volatile String lastError = "not fetched yet";

  RemoteKeys(Vertx vertx, AppConfig.Jwks config, String issuer, Consumer<KeySet> onKeys, LongSupplier clock) {
    this.vertx = vertx;
    this.config = config;
    this.issuer = issuer;
    this.onKeys = onKeys;
    this.clock = clock;
    this.jwksUrl = config.url();
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(TIMEOUT_MS).setIdleTimeout(TIMEOUT_MS)
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS).setKeepAlive(false));
  }

  /** The first fetch; completes once it has succeeded or failed (the node starts either way, retries follow). */
  Future<Void> start() {
    return fetch().<Void>mapEmpty().otherwiseEmpty();
  }

  /** The last key set fetched, or null while none has been. */
  KeySet current() {
    return current;
  }

  /** Why the keys are missing or stale: the last fetch's error. */
  String lastError() {
    return lastError;
  }

  /**
   * A fetch for a token with an unknown key id: joins the one in flight, starts one when none started within the
   * interval, else answers the keys held now without fetching. Never fails.
   */
  synchronized Future<KeySet> refetch() {
    if (inFlight == null && clock.getAsLong() - lastStartMs < config.unknownKidIntervalSeconds() * 1000L) {
      return Future.succeededFuture(current);
    }
    return fetch().otherwise(t -> current);
  }

  private synchronized Future<KeySet> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer); // rescheduled after this fetch
      timer = -1;
    }
    lastStartMs = clock.getAsLong();
    Promise<KeySet> done = Promise.promise();
    inFlight = done.future();
    context.runOnContext(v -> jwksUrl().compose(this::get).map(this::parse).onComplete(ar -> finish(ar.succeeded() ? ar.result() : null,
        ar.cause(), done)));
    return done.future();
  }

  private void finish(Fetched fetched, Throwable error, Promise<KeySet> done) {
    long next;
    synchronized (this) {
      inFlight = null;
      if (error == null) {
        failures = 0;
        next = Math.max(config.refreshMinSeconds(), Math.min(config.refreshMaxSeconds(),
            fetched.maxAge() < 0 ? config.refreshMaxSeconds() : fetched.maxAge()));
      } else {
        failures++;
        next = Math.min(Math.min(MAX_BACKOFF_S, config.refreshMaxSeconds()), 1L << Math.min(failures - 1, 16));
        if (config.discovery()) {
          jwksUrl = null; // discover again: the provider may have moved its keys
        }
      }
      timer = vertx.setTimer(next * 1000L, id -> {
        synchronized (this) {
          timer = -1;
        }
        fetch();
      });
    }
    if (error == null) {
      KeySet keys = fetched.keys();
      KeySet before = current;
      current = keys;
      lastError = null;
      if (before == null || !before.keys().equals(keys.keys())) {
        LOG.info("JWT keys from the identity provider: {} key(s), kid {}; next refresh in {} s", keys.keys().size(), keys.kids(), next);
        onKeys.accept(keys);
      }
      done.complete(keys);
    } else {
      lastError = error.getMessage();
      LOG.warn("JWT keys: cannot fetch the identity provider's keys ({}); {}, retry in {} s", error.getMessage(),
          current == null ? "JWTs signed by its keys are refused until they arrive" : "the keys fetched before stay in use", next);
      done.fail(error);
    }
  }

  private record Fetched(KeySet keys, long maxAge) {}

  private record Answer(Buffer body, long maxAge) {}

  /** The configured URL, or the {@code jwks_uri} of the issuer's OpenID configuration (cached until a fetch fails). */
  private Future<String> jwksUrl() {
    String known;
    synchronized (this) {
      known = jwksUrl;
    }
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String discovery = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
    return get(discovery).map(a -> {
      JsonObject doc;
      try {
        doc = a.body().toJsonObject();
      } catch (RuntimeException e) {
        throw new IllegalStateException(discovery + " is not a JSON object");
      }
      if (!issuer.equals(doc.getString("issuer"))) {
        throw new IllegalStateException(discovery + " names issuer '" + doc.getString("issuer") + "', not JWT_ISSUER");
      }
      String uri = doc.getString("jwks_uri");
      if (uri == null || !acceptable(uri)) {
        throw new IllegalStateException(discovery + " names no https jwks_uri");
      }
      synchronized (this) {
        jwksUrl = uri;
      }
      return uri;
    });
  }

  /** https, or plain http to this machine only. */
  static boolean acceptable(String url) {
    try {
      URI u = new URI(url);
      String host = u.getHost();
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase();
      return host != null && (scheme.equals("https") || scheme.equals("http")
          && (host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]")));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private Future<Answer> get(String url) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setFollowRedirects(false)
            .setConnectTimeout(TIMEOUT_MS).setIdleTimeout(TIMEOUT_MS).putHeader("Accept", "application/json"))
        .compose(req -> req.send())
        .compose(res -> {
          if (res.statusCode() != 200) {
            return res.end().transform(x -> Future.failedFuture(url + " answered HTTP " + res.statusCode()));
          }
          String length = res.getHeader("Content-Length");
          if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BYTES) {
            return Future.failedFuture(url + " answered more than " + MAX_BYTES + " bytes");
          }
          return res.body().compose(b -> b.length() > MAX_BYTES ? Future.failedFuture(url + " answered more than " + MAX_BYTES + " bytes")
              : Future.succeededFuture(new Answer(b, maxAge(res.getHeader("Cache-Control")))));
        })
        .recover(t -> Future.failedFuture(t.getMessage() != null && t.getMessage().contains(url) ? t
            : new IllegalStateException(url + ": " + t.getMessage(), t)));
  }

  /** {@code max-age} of a Cache-Control header in seconds; -1 when absent. {@code no-cache}/{@code no-store} count as 0. */
  static long maxAge(String cacheControl) {
    if (cacheControl == null) {
      return -1;
    }
    if (cacheControl.toLowerCase().matches(".*\\bno-(cache|store)\\b.*")) {
      return 0;
    }
    Matcher m = MAX_AGE.matcher(cacheControl);
    return m.find() ? Long.parseLong(m.group(1).length() > 9 ? "999999999" : m.group(1)) : -1;
  }

  private Fetched parse(Answer a) {
    JsonArray keys;
    try {
      keys = a.body().toJsonObject().getJsonArray("keys");
    } catch (RuntimeException e) {
      throw new IllegalStateException("the JWKS is not a JSON object with a 'keys' array");
    }
    if (keys == null) {
      throw new IllegalStateException("the JWKS has no 'keys' array");
    }
    return new Fetched(usable(keys), a.maxAge());
  }

  /**
   * The signing keys of a JWKS: RSA and EC public keys whose {@code use}, when given, is {@code sig}, with an asymmetric
   * algorithm (RS256 for RSA, by curve for EC when the key names none). Others are skipped, each with a warning.
   */
  KeySet usable(JsonArray keys) {
    List<JsonObject> out = new ArrayList<>();
    Set<String> kids = new LinkedHashSet<>();
    for (Object o : keys) {
      if (!(o instanceof JsonObject jwk)) {
        continue;
      }
      String kid = jwk.getString("kid");
      String kty = jwk.getString("kty");
      if (jwk.getString("use") != null && !"sig".equals(jwk.getString("use"))) {
        continue; // an encryption key
      }
      String alg = jwk.getString("alg", "RSA".equals(kty) ? "RS256" : "EC".equals(kty) ? EC_ALGORITHMS.get(jwk.getString("crv")) : null);
      if (alg == null || !JwtVerifier.ASYMMETRIC.contains(alg) || !("RSA".equals(kty) || "EC".equals(kty))) {
        LOG.warn("JWT keys: key '{}' ({} {}) skipped: only RSA and EC signing keys are used", kid, kty, alg);
        continue;
      }
      JsonObject key = jwk.copy().put("alg", alg);
      for (String secret : List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k")) {
        key.remove(secret); // a private part has no business here
      }
      try {
        JWTAuth.create(vertx, new JWTAuthOptions().addJwk(key));
      } catch (RuntimeException e) {
        LOG.warn("JWT keys: key '{}' skipped: {}", kid, e.getMessage());
        continue;
      }
      out.add(key);
      if (kid != null) {
        kids.add(kid);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("the JWKS holds no usable signing key");
    }
    return new KeySet(List.copyOf(out), Set.copyOf(kids));
  }
}
