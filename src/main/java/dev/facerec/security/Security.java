package dev.facerec.security;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.config.AppConfig;
import dev.facerec.store.ApiKeyStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's security state: resolves API keys (cached briefly, revocations applied at once) and JWTs to
 * {@link Principal}s, creates, rotates and revokes keys (audited), and tracks the WebSockets opened by
 * each principal so a revocation closes them. Revocations are published on
 * {@link Addresses#SECURITY_KEY_REVOKED}; every node listens.
 */
public final class Security {
  private static final Logger LOG = LoggerFactory.getLogger(Security.class);
  private static final int MAX_CACHED = 10_000;

  private final Vertx vertx;
  private final AppConfig.Security config;
  private final ApiKeyStore keys;
  private final JwtVerifier jwt;
  private final RateLimits rateLimits;
  private final AuthThrottle throttle;
  private final int maxSocketsPerPrincipal;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  /** Each key as last verified in the database, by hash: authentication while the database is unreachable. */
  private final Map<String, Cached> lastKnown = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<Runnable>> sockets = new ConcurrentHashMap<>();
  /** SHA-256 of credentials accepted lately → their principal: exempt from an address's failed-auth back-off. */
  private final Map<String, Cached> good = new ConcurrentHashMap<>();
  private static final long GOOD_FOR_MS = 15 * 60_000L;

  private record Cached(Principal principal, long expiresAtMs) {}

  /** A new key: the secret is returned only here, once. */
  public record CreatedKey(String key, ApiKeyStore.KeyRecord record) {
    public JsonObject toJson() {
      return record.toJson().put("key", key);
    }
  }

  public Security(Vertx vertx, AppConfig config, ApiKeyStore keys) {
    this(vertx, config, keys, () -> 1);
  }

  /** {@code apiNodes}: how many api nodes share each rate-limit budget. */
  public Security(Vertx vertx, AppConfig config, ApiKeyStore keys, java.util.function.IntSupplier apiNodes) {
    this.vertx = vertx;
    this.config = config.security();
    this.keys = keys;
    this.jwt = this.config.jwt().enabled() ? new JwtVerifier(vertx, this.config.jwt()) : null;
    this.rateLimits = new RateLimits(this.config.rateLimits(), apiNodes);
    this.throttle = new AuthThrottle(this.config.rateLimits().authFailuresBeforeBackoff(),
        this.config.rateLimits().maxBackoffSeconds(), System::currentTimeMillis);
    this.maxSocketsPerPrincipal = config.websocket().maxConnectionsPerKey();
  }

  /** Listens for revocations (from this node or, once clustered, from others); fetches the identity provider's JWT keys. */
  public Future<Void> start() {
    Future<Void> own = selfId == null ? Future.succeededFuture()
        : vertx.eventBus().<JsonObject>consumer(Addresses.node(selfId, REVOKED), m -> {
          onRevoked(m.body().getString("keyId"));
          m.reply(new JsonObject());
        }).completion();
    // The identity provider's keys are fetched once before the node listens; unreachable, it starts anyway (retries follow).
    return Future.all(own, vertx.eventBus().<JsonObject>consumer(Addresses.SECURITY_KEY_REVOKED, m -> onRevoked(m.body().getString("keyId")))
        .completion(), jwt == null ? Future.succeededFuture() : jwt.start()).mapEmpty();
  }

  /** This node's node-scoped address for revocations a revoking node waits for. */
  static final String REVOKED = "security.revoked";
  private String selfId;
  private java.util.function.Supplier<List<String>> apiNodes = List::of;

  /** In a cluster: a revocation is answered only once every api node has dropped the key (call before {@link #start()}). */
  public void cluster(String selfId, java.util.function.Supplier<List<String>> apiNodes) {
    this.selfId = selfId;
    this.apiNodes = apiNodes;
  }

  public AppConfig.Security config() {
    return config;
  }

  public ApiKeyStore keys() {
    return keys;
  }

  public RateLimits rateLimits() {
    return rateLimits;
  }

  public AuthThrottle throttle() {
    return throttle;
  }

  public boolean jwtEnabled() {
    return jwt != null;
  }

  // ---- authentication

  /** An API key to its principal; UNAUTHENTICATED when unknown or revoked. */
  public Future<Principal> authenticateKey(String key) {
    if (!ApiKeys.plausible(key)) {
      return Future.failedFuture(new FaceException(Failure.UNAUTHENTICATED, "the API key is not valid"));
    }
    String hash = ApiKeys.hash(key);
    long now = System.currentTimeMillis();
    Cached c = cache.get(hash);
    if (c != null && c.expiresAtMs > now && !revoked.contains(c.principal.keyId())) {
      return Future.succeededFuture(c.principal);
    }
    return keys.findActiveByHash(hash).compose(rec -> {
      if (rec == null || revoked.contains(rec.id())) {
        cache.remove(hash);
        lastKnown.remove(hash);
        return Future.failedFuture(new FaceException(Failure.UNAUTHENTICATED, "the API key is not valid"));
      }
      Principal p = principalOf(rec);
      long at = System.currentTimeMillis();
      if (config.keyCacheSeconds() > 0) {
        if (cache.size() >= MAX_CACHED) {
          cache.clear();
        }
        cache.put(hash, new Cached(p, at + config.keyCacheSeconds() * 1000L));
      }
      if (config.keyStaleMaxSeconds() > 0) {
        if (lastKnown.size() >= MAX_CACHED) {
          lastKnown.clear();
        }
        lastKnown.put(hash, new Cached(p, at + config.keyStaleMaxSeconds() * 1000L));
      }
      return Future.succeededFuture(p);
    }).recover(t -> {
      // The database is unreachable: a key verified within KEY_STALE_MAX_S still passes, unless it was revoked
      // since (revocations reach every node over the event bus, without the database).
      Cached known = lastKnown.get(hash);
      if (t instanceof FaceException fe && fe.failure() == Failure.DATABASE_UNAVAILABLE && known != null
          && known.expiresAtMs > System.currentTimeMillis() && !revoked.contains(known.principal.keyId())) {
        return Future.succeededFuture(known.principal);
      }
      return Future.failedFuture(t);
    });
  }

  /**
   * A JWT to its principal. A token from a URL query ({@code fromQuery}) must expire within
   * {@code WS_TOKEN_MAX_TTL_S}: URLs end up in logs and histories.
   */
  public Future<Principal> authenticateJwt(String token, boolean fromQuery) {
    if (jwt == null) {
      return Future.failedFuture(new FaceException(Failure.UNAUTHENTICATED, "JWTs are not accepted by this service"));
    }
    return jwt.verify(token).compose(p -> {
      long ttl = p.expiresAtEpochSeconds() - System.currentTimeMillis() / 1000;
      if (fromQuery && ttl > config.jwt().queryTokenMaxTtlSeconds()) {
        return Future.failedFuture(new FaceException(Failure.UNAUTHENTICATED, "a token in the URL must expire within "
            + config.jwt().queryTokenMaxTtlSeconds() + " seconds"));
      }
      return Future.succeededFuture(p);
    });
  }

  static Principal principalOf(ApiKeyStore.KeyRecord rec) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    rec.roles().forEach(r -> {
      Role role = Role.parse(r);
      if (role != null) {
        roles.add(role);
      }
    });
    return new Principal("key:" + rec.id(), rec.id(), roles, rec.collection(), 0);
  }

  /** Records a credential that authenticated (its hash only), for {@link #knownGood}. */
  public void rememberGood(String credential, Principal p) {
    if (good.size() >= MAX_CACHED) {
      good.clear();
    }
    good.put(ApiKeys.hash(credential), new Cached(p, System.currentTimeMillis() + GOOD_FOR_MS));
  }

  /**
   * Whether this node accepted the credential within the last 15 minutes and it was not revoked since: such a
   * credential is checked even while its address is backed off for failed attempts (it is no guess).
   */
  public boolean knownGood(String credential) {
    Cached c = good.get(ApiKeys.hash(credential));
    return c != null && c.expiresAtMs > System.currentTimeMillis() && !revokedHere(c.principal.keyId());
  }

  // ---- key lifecycle

  /** Creates a key (audited); roles are validated, the collection may be null (all collections). */
  public Future<CreatedKey> createKey(List<String> roleNames, String collection, String name, String actor) {
    List<String> roles = new ArrayList<>();
    for (String r : roleNames) {
      Role role = Role.parse(r);
      if (role == null) {
        return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "unknown role '" + r
            + "': use admin, enroll, recognize or detect"));
      }
      if (!roles.contains(role.wire())) {
        roles.add(role.wire());
      }
    }
    if (roles.isEmpty()) {
      return Future.failedFuture(new FaceException(Failure.INVALID_REQUEST, "a key needs at least one role"));
    }
    return insert(roles, collection, name, actor, 3)
        .compose(created -> keys.audit(actor, "key.create", created.record().id(), new JsonObject()
            .put("roles", new JsonArray(roles)).put("collection", collection)).map(created))
        .onSuccess(c -> LOG.info("API key {} created by {} (roles {}, collection {})", c.record().id(), actor, roles,
            collection == null ? "*" : collection));
  }

  private Future<CreatedKey> insert(List<String> roles, String collection, String name, String actor, int tries) {
    String key = ApiKeys.generate();
    return keys.insert(ApiKeys.idOf(key), ApiKeys.hash(key), name, roles, collection, actor)
        .map(rec -> new CreatedKey(key, rec))
        .recover(t -> tries > 1 && t instanceof FaceException fe && fe.failure() == Failure.INVALID_REQUEST
            ? insert(roles, collection, name, actor, tries - 1) // an id already taken: draw again
            : Future.failedFuture(t));
  }

  /** Revokes a key (audited): refused at once on this node, then published for the others. */
  public Future<ApiKeyStore.KeyRecord> revoke(String keyId, String actor) {
    return keys.revoke(keyId, actor)
        .compose(rec -> {
          onRevoked(rec.id());
          JsonObject fact = new JsonObject().put("keyId", rec.id());
          vertx.eventBus().publish(Addresses.SECURITY_KEY_REVOKED, fact);
          // The 204 waits (at most 2 s) until every api node has dropped the key: a revoked key then fails everywhere.
          List<Future<?>> acks = new ArrayList<>();
          for (String node : apiNodes.get()) {
            if (!node.equals(selfId)) {
              acks.add(vertx.eventBus().request(Addresses.node(node, REVOKED), fact,
                  new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000)));
            }
          }
          return Future.join(acks).otherwiseEmpty()
              .compose(v -> keys.audit(actor, "key.revoke", rec.id(), new JsonObject())).map(rec);
        })
        .onSuccess(rec -> LOG.info("API key {} revoked by {}", rec.id(), actor));
  }

  /** A new key with the same roles, collection and name; the old one is revoked (both audited). */
  public Future<CreatedKey> rotate(String keyId, String actor) {
    return keys.get(keyId).compose(old -> old.revoked()
        ? Future.failedFuture(new FaceException(Failure.KEY_NOT_FOUND, "no active API key with id '" + keyId + "'"))
        : createKey(old.roles(), old.collection(), old.name(), actor)
            .compose(created -> revoke(keyId, actor)
                .compose(r -> keys.audit(actor, "key.rotate", keyId, new JsonObject().put("replacedBy", created.record().id())))
                .map(created)));
  }

  /** Applies a revocation on this node: cache, rate-limit state and open WebSockets. Idempotent. */
  public void onRevoked(String keyId) {
    if (keyId == null) {
      return;
    }
    revoked.add(keyId);
    cache.values().removeIf(c -> keyId.equals(c.principal.keyId()));
    good.values().removeIf(c -> keyId.equals(c.principal.keyId()));
    lastKnown.values().removeIf(c -> keyId.equals(c.principal.keyId()));
    rateLimits.forget("key:" + keyId);
    Set<Runnable> open = sockets.remove("key:" + keyId);
    if (open != null) {
      LOG.info("closing {} WebSocket(s) of revoked API key {}", open.size(), keyId);
      open.forEach(Runnable::run);
    }
  }

  // ---- WebSockets per principal

  /** Registers an open socket; false when the principal already holds the maximum. */
  public boolean openSocket(Principal p, Runnable close) {
    boolean[] ok = {false};
    sockets.compute(p.id(), (id, set) -> {
      Set<Runnable> s = set == null ? ConcurrentHashMap.newKeySet() : set;
      if (s.size() < maxSocketsPerPrincipal) {
        s.add(close);
        ok[0] = true;
      }
      return s.isEmpty() ? null : s;
    });
    return ok[0];
  }

  public void closedSocket(Principal p, Runnable close) {
    sockets.computeIfPresent(p.id(), (id, set) -> {
      set.remove(close);
      return set.isEmpty() ? null : set;
    });
  }

  /** Whether the key id was revoked since this node started (a socket opening now must not stay). */
  public boolean revokedHere(String keyId) {
    return keyId != null && revoked.contains(keyId);
  }
}
