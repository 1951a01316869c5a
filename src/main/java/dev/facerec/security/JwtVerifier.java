package dev.facerec.security;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.config.AppConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Verifies integration JWTs with vertx-auth-jwt against RS256/ES256 public keys (PEM), a JWKS file and the identity
 * provider's keys ({@link RemoteKeys}: JWT_JWKS_URL or OpenID discovery, refreshed without a restart). Only
 * asymmetric algorithms of the keys held are accepted, so {@code alg: none} and HS256 "signed" with the public key
 * are refused before any signature check; issuer, audience, expiry and not-before are then checked by the library
 * and again here. Roles and collection come from configurable claims.
 */
public final class JwtVerifier {
  static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
      "PS384", "PS512");

  private final Vertx vertx;
  private final AppConfig.Jwt config;
  /** The configured PEM keys and JWKS file: they never change. */
  private final List<PubSecKeyOptions> staticPems = new ArrayList<>();
  private final List<JsonObject> staticJwks = new ArrayList<>();
  private final RemoteKeys remote;
  private final AtomicReference<Keys> keys = new AtomicReference<>();

  /** One verifier over every key held now: the library's, the algorithms and the key ids it knows. */
  private record Keys(JWTAuth auth, Set<String> algorithms, Set<String> kids, boolean remoteLoaded) {}

  public JwtVerifier(Vertx vertx, AppConfig.Jwt config) {
    this.vertx = vertx;
    this.config = config;
    for (Path pem : config.publicKeyFiles()) {
      String text = read(pem);
      staticPems.add(new PubSecKeyOptions().setAlgorithm(algorithmOf(text, pem)).setBuffer(text));
    }
    if (config.jwksFile() != null) {
      JsonObject jwks = new JsonObject(read(config.jwksFile()));
      for (Object k : jwks.getJsonArray("keys", new JsonArray())) {
        JsonObject jwk = (JsonObject) k;
        String alg = jwk.getString("alg", "EC".equals(jwk.getString("kty")) ? "ES256" : "RS256");
        if (!ASYMMETRIC.contains(alg)) {
          throw new IllegalStateException("JWT_JWKS_FILE: key '" + jwk.getString("kid") + "' uses " + alg
              + "; only RSA and EC public keys are accepted");
        }
        staticJwks.add(jwk.copy().put("alg", alg));
      }
    }
    this.remote = config.remote().enabled()
        ? new RemoteKeys(vertx, config.remote(), config.issuer(), this::rebuild, System::currentTimeMillis) : null;
    rebuild(null);
  }

  /** Fetches the identity provider's keys once (when configured); completes either way, retries follow. */
  public Future<Void> start() {
    return remote == null ? Future.succeededFuture() : remote.start();
  }

  private synchronized void rebuild(RemoteKeys.KeySet fetched) {
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions()
        .setIssuer(config.issuer())
        .setAudience(config.audience())
        .setLeeway(config.leewaySeconds()));
    Set<String> algorithms = new HashSet<>();
    Set<String> kids = new HashSet<>();
    staticPems.forEach(p -> {
      options.addPubSecKey(p);
      algorithms.add(p.getAlgorithm());
    });
    List<JsonObject> jwks = new ArrayList<>(staticJwks);
    if (fetched != null) {
      jwks.addAll(fetched.keys());
    }
    for (JsonObject jwk : jwks) {
      options.addJwk(jwk);
      algorithms.add(jwk.getString("alg"));
      if (jwk.getString("kid") != null) {
        kids.add(jwk.getString("kid"));
      }
    }
    keys.set(new Keys(JWTAuth.create(vertx, options), Set.copyOf(algorithms), Set.copyOf(kids), fetched != null));
  }

  /**
   * Verifies a token; fails with UNAUTHENTICATED (the message says why, without echoing the token), or with
   * JWT_KEYS_UNAVAILABLE while the identity provider's keys have never been fetched and no configured key fits.
   */
  public Future<Principal> verify(String token) {
    String alg;
    String kid;
    try {
      String[] parts = token.split("\\.", -1);
      if (parts.length != 3 || parts[2].isEmpty()) {
        return unauthenticated("the token is not a signed JWT");
      }
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      alg = header.getString("alg");
      Object k = header.getValue("kid");
      kid = k == null ? null : k instanceof String ks ? ks : "";
    } catch (RuntimeException e) {
      return unauthenticated("the token is not a JWT");
    }
    if (alg == null || !ASYMMETRIC.contains(alg)) {
      return unauthenticated("the token's algorithm is not accepted");
    }
    Keys held = keys.get();
    if (remote == null || (kid != null ? held.kids().contains(kid) : held.algorithms().contains(alg))) {
      return verify(held, token, alg);
    }
    // An unknown key id, or no key fetched yet: one bounded fetch, shared with every token waiting for one.
    Context caller = vertx.getOrCreateContext();
    return Future.fromCompletionStage(remote.refetch().toCompletionStage(), caller).compose(fetched -> {
      Keys now = keys.get();
      // A configured PEM key has no key id: it may have signed a token that names one.
      boolean fits = kid != null ? now.kids().contains(kid) || unnamedKeyFor(alg) : now.algorithms().contains(alg);
      if (!fits && !now.remoteLoaded()) {
        return Future.failedFuture(new FaceException(Failure.JWT_KEYS_UNAVAILABLE, "the identity provider's signing keys"
            + " could not be fetched yet (" + remote.lastError() + ")").retryAfter(5));
      }
      if (!fits) {
        return unauthenticated(kid != null ? "the token's key id is not one of the identity provider's keys"
            : "the token's algorithm is not accepted");
      }
      return verify(now, token, alg);
    });
  }

  private boolean unnamedKeyFor(String alg) {
    return staticPems.stream().anyMatch(p -> alg.equals(p.getAlgorithm()));
  }

  private Future<Principal> verify(Keys held, String token, String alg) {
    if (!held.algorithms().contains(alg)) {
      return unauthenticated("the token's algorithm is not accepted");
    }
    return held.auth().authenticate(new TokenCredentials(token))
        .recover(t -> unauthenticated("the token is invalid or expired"))
        .compose(user -> {
          // vertx-auth-jwt keeps the decoded claims in the "accessToken" attribute (the principal holds the raw token).
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          long now = System.currentTimeMillis() / 1000;
          long leeway = config.leewaySeconds();
          Long exp = claims.getLong("exp");
          Long nbf = claims.getLong("nbf");
          if (exp == null || exp + leeway < now) {
            return unauthenticated("the token has expired or has no expiry");
          }
          if (nbf != null && nbf - leeway > now) {
            return unauthenticated("the token is not valid yet");
          }
          if (!config.issuer().equals(claims.getString("iss"))) {
            return unauthenticated("the token's issuer is not accepted");
          }
          if (!audienceMatches(claims.getValue("aud"))) {
            return unauthenticated("the token's audience is not accepted");
          }
          Set<Role> roles = rolesOf(claims.getValue(config.rolesClaim()));
          if (roles.isEmpty()) {
            return Future.failedFuture(new FaceException(Failure.FORBIDDEN, "the token carries no known role in claim '"
                + config.rolesClaim() + "'"));
          }
          Object c = claims.getValue(config.collectionClaim());
          String collection = c instanceof String s && !s.isBlank() ? s : null;
          String sub = claims.getString("sub", "unknown");
          return Future.succeededFuture(new Principal("jwt:" + sub, null, roles, collection, exp));
        });
  }

  private boolean audienceMatches(Object aud) {
    if (aud instanceof String s) {
      return config.audience().contains(s);
    }
    if (aud instanceof JsonArray a) {
      return a.stream().anyMatch(x -> x instanceof String s && config.audience().contains(s));
    }
    return false;
  }

  private static Set<Role> rolesOf(Object claim) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    if (claim instanceof String s) {
      for (String r : s.split("[\\s,]+")) {
        add(roles, r);
      }
    } else if (claim instanceof JsonArray a) {
      a.forEach(r -> add(roles, r instanceof String s ? s : null));
    }
    return roles;
  }

  private static void add(Set<Role> roles, String r) {
    Role role = Role.parse(r);
    if (role != null) {
      roles.add(role);
    }
  }

  private static <T> Future<T> unauthenticated(String why) {
    return Future.failedFuture(new FaceException(Failure.UNAUTHENTICATED, why));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  /** RS256 for an RSA public key, ES256 for an EC (P-256) one; anything else is refused at start. */
  static String algorithmOf(String pem, Path file) {
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    if (!pem.contains("BEGIN PUBLIC KEY")) {
      throw new IllegalStateException("JWT_PUBLIC_KEY_FILES: " + file + " is not a PEM public key (BEGIN PUBLIC KEY)");
    }
    byte[] der = Base64.getDecoder().decode(b64);
    for (String[] kind : new String[][] {{"RSA", "RS256"}, {"EC", "ES256"}}) {
      try {
        KeyFactory.getInstance(kind[0]).generatePublic(new X509EncodedKeySpec(der));
        return kind[1];
      } catch (Exception ignored) {
        // try the next kind
      }
    }
    throw new IllegalStateException("JWT_PUBLIC_KEY_FILES: " + file + " is neither an RSA nor an EC public key");
  }
}
