package dev.facerec.app;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.HttpVerticle;
import dev.facerec.bus.Codecs;
import dev.facerec.cluster.AdminVerticle;
import dev.facerec.cluster.ClusterSetup;
import dev.facerec.cluster.Membership;
import dev.facerec.cluster.NodeRole;
import dev.facerec.cluster.NodeState;
import dev.facerec.config.AppConfig;
import dev.facerec.index.IndexClient;
import dev.facerec.index.IndexGrid;
import dev.facerec.index.Placement;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexVerticle;
import dev.facerec.metrics.RecognitionMetrics;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ModelVerifier;
import dev.facerec.model.ProfileSpec;
import dev.facerec.model.ThresholdPolicy;
import dev.facerec.recognition.GallerySize;
import dev.facerec.recognition.GallerySizes;
import dev.facerec.recognition.OpenSetThreshold;
import dev.facerec.recognition.ThresholdRules;
import dev.facerec.pipeline.InferenceClient;
import dev.facerec.pipeline.InferenceGateVerticle;
import dev.facerec.pipeline.InferenceVerticle;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.recognition.Recognition;
import dev.facerec.security.AdminKeyBootstrap;
import dev.facerec.security.Security;
import dev.facerec.store.ApiKeyStore;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import dev.facerec.store.DatabaseGuard;
import dev.facerec.store.GalleryStore;
import dev.facerec.store.GuardedPool;
import dev.facerec.tracing.Tracing;
import dev.facerec.bus.Addresses;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment plan of one node, by its roles: join the cluster (or stand alone: a cluster of one), open
 * the database (api and index roles), deploy the inference workers and their gate (inference), the index
 * replica (index), the admin commands (every node), then HTTP: the API on api nodes, probes and metrics
 * on the others. Until then the port answers probes only ({@link dev.facerec.api.http.StartingServer}).
 */
public final class Service implements AutoCloseable {
  /** The gallery size assumed while a collection's count cannot be read: the largest the 1:N threshold model covers. */
  static final GallerySize GALLERY_SIZE_UNKNOWN = new GallerySize(1_000_000L, 1_000_000L);

  private static final Logger LOG = LoggerFactory.getLogger(Service.class);
  private static final int SHED_LOG_INTERVAL_S = 10;

  private final AppConfig config;
  private Vertx vertx;
  private Database database;
  private Pool pool;
  private PrometheusMeterRegistry registry;
  private Membership membership;
  private final NodeState state = new NodeState();
  private InferenceGateVerticle gate;
  private dev.facerec.index.Placement placement;
  private volatile boolean dbReachable = true;
  private DatabaseGuard dbGuard;
  private volatile Runnable onDrained = () -> {};
  private int port;
  /** What a starting node is doing, for the start-up listener's answers. */
  private volatile String phase = "starting";
  private dev.facerec.api.http.StartingServer starting;
  private Tracing tracing;
  /** Deployment ids in the order they stop: HTTP first, then inference, the index (its snapshot), the admin commands. */
  private final java.util.List<String[]> stopOrder = new java.util.ArrayList<>();

  private Service(AppConfig config) {
    this.config = config;
  }

  /** Starts a node and blocks until it serves; throws with a clear message when it cannot start. */
  public static Service start(AppConfig config) {
    Service s = new Service(config);
    try {
      s.boot();
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void boot() {
    AppConfig.Tls tls = config.security().tls();
    if (!tls.enabled() && !tls.allowPlainHttp()) {
      throw new IllegalStateException("no TLS certificate: set TLS_CERT_FILE and TLS_KEY_FILE (PEM) to serve HTTPS, or"
          + " ALLOW_PLAIN_HTTP=true to serve plain HTTP (localhost, or behind a proxy that terminates TLS)");
    }
    AppConfig.Cluster cluster = config.cluster();
    boolean api = cluster.roles().contains(NodeRole.API);
    boolean inference = cluster.roles().contains(NodeRole.INFERENCE);
    boolean indexRole = cluster.roles().contains(NodeRole.INDEX);

    starting = dev.facerec.api.http.StartingServer.open(config, () -> phase);
    LOG.info("index distance: {}", dev.facerec.index.InnerProduct.vectorized() ? "Vector API (SIMD)"
        : "scalar; start the JVM with --add-modules jdk.incubator.vector for 2-3x faster index searches (docs/configuration.md)");
    if (System.getenv("MALLOC_ARENA_MAX") == null && System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      // glibc's default (8 arenas per core) let native memory grow ~45 % more under load (docs/resilience.md)
      LOG.info("native memory: MALLOC_ARENA_MAX is not set; MALLOC_ARENA_MAX=2 keeps resident memory lower (docs/operations.md)");
    }

    AppConfig.Models models = config.models();
    ModelManifest manifest = ModelManifest.load(models.dir());
    ProfileSpec profile = manifest.profile(models.profile());
    if (inference) {
      ModelVerifier.verifyProfile(manifest, profile.id(), models.dir()); // only nodes that load the models need the files
    }
    ModelSpec recognizer = manifest.model(profile.recognizer());
    String embeddingModel = profile.embeddingModel(); // what galleries are bound to: the recognizer and its centre
    double threshold = models.thresholds().getOrDefault(profile.id(), profile.threshold());
    String thresholdSource = models.thresholds().containsKey(profile.id())
        ? "configuration (THRESHOLD_" + profile.id().toUpperCase().replace('-', '_') + ")"
        : "manifest: " + profile.thresholdSource();
    double identifyThreshold = models.identifyThresholds().getOrDefault(profile.id(), profile.identifyThreshold());
    String identifyThresholdSource = models.identifyThresholds().containsKey(profile.id())
        ? "configuration (IDENTIFY_THRESHOLD_" + profile.id().toUpperCase().replace('-', '_') + ")"
        : "manifest: " + profile.identifyThresholdSource();

    if (api || indexRole) {
      phase = "waiting for the database";
      database = Database.start(new DatabaseSettings(config.database().url(), config.dataDir(),
          config.database().poolMaxSize(), config.database().connectTimeoutMs()).withUrlFile(config.database().urlFile()),
          config.database().startupWaitSeconds());
      LOG.info("database: {}", database.describe());
    }

    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RecognitionMetrics metrics = new RecognitionMetrics(registry);
    dev.facerec.metrics.ProcessMetrics.bind(registry, profile.id());
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    String name = cluster.nodeName();
    phase = cluster.enabled() ? "joining the cluster" : "starting its parts";
    // Tracing only with OTEL_EXPORTER_OTLP_ENDPOINT: otherwise Vert.x gets no tracer at all.
    tracing = Tracing.start(config.tracing(), name, cluster.roles().toString());
    if (tracing.enabled()) {
      options.setTracingOptions(new io.vertx.tracing.opentelemetry.OpenTelemetryOptions());
    }
    if (cluster.enabled()) {
      HazelcastClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcast(cluster, false));
      options.setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setPort(cluster.busPort())
          .setClusterPublicHost(cluster.publicHost()).setClusterPublicPort(cluster.busPort())
          .setClusterNodeMetadata(new dev.facerec.cluster.Member("", name, cluster.roles()).metadata()));
      VertxBuilder builder = traced(Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))).withClusterManager(manager);
      vertx = await(builder.buildClustered());
      membership = Membership.clustered(vertx, manager, name, cluster.roles());
      LOG.info("cluster: joined as {} ({}), roles {}, {} member(s) in view; Hazelcast {}:{}, event bus {}:{}", name, membership.selfId(),
          cluster.roles(), manager.getNodes().size(), cluster.publicHost(), cluster.port(), cluster.publicHost(), cluster.busPort());
    } else {
      vertx = traced(Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))).build();
      membership = Membership.alone(vertx, name, cluster.roles());
    }
    membership.start();
    // One line per interval for refused requests instead of one per request (they are counted in facerec_requests_shed_total).
    vertx.setPeriodic(SHED_LOG_INTERVAL_S * 1000L, id -> {
      Map<String, Long> shed = metrics.takeShed();
      if (!shed.isEmpty()) {
        LOG.warn("shed in the last {} s: {} request(s) refused {}", SHED_LOG_INTERVAL_S, shed.values().stream().mapToLong(Long::longValue).sum(), shed);
      }
    });
    metrics.gauge(RecognitionMetrics.CLUSTER_MEMBERS, () -> membership.members().size());
    Codecs.register(vertx);

    GalleryStore store = null;
    Security security = null;
    if (database != null) {
      // Every statement goes through the circuit breaker and bounded retries (store/DatabaseGuard).
      dbGuard = new DatabaseGuard(vertx, config.database().breakerOpenSeconds(), config.database().retryAttempts());
      pool = new GuardedPool(database.createPool(vertx, config.api().requestTimeoutMs()), dbGuard);
      store = new GalleryStore(pool, config.index().shards());
      GalleryStore db = store;
      // Not a readiness check: once started, a node without its database still serves reads from memory.
      vertx.setPeriodic(2000, id -> db.ping().onComplete(ar -> dbReachable = ar.succeeded()));
      metrics.gauge(RecognitionMetrics.DATABASE_UP, () -> dbReachable ? 1 : 0);
      Map<String, String> inUse = await(store.collectionModels());
      inUse.forEach((collection, model) -> {
        if (!model.equals(embeddingModel)) {
          throw new IllegalStateException("collection '" + collection + "' holds embeddings made with model '" + model
              + "', but profile '" + profile.id() + "' uses '" + embeddingModel + "': " + dev.facerec.backup.GalleryMigration.hint(model,
              profile) + "; embeddings of different recognizers are never mixed");
        }
      });
    }
    if (api) {
      // What identify needs besides the index, kept in memory and current across nodes: served while the database is away.
      GalleryStore known = store;
      vertx.eventBus().<JsonObject>consumer(Addresses.GALLERY_FACTS, m -> known.lastKnown().apply(m.body()));
      known.lastKnown().publishTo(fact -> vertx.eventBus().publish(Addresses.GALLERY_FACTS, fact));
      LOG.info("database: {} subject names and the collections' settings held in memory", await(store.preload()));
      ApiKeyStore keys = new ApiKeyStore(pool);
      // One first admin key per cluster: nodes starting together take turns (a cluster-wide lock).
      io.vertx.core.shareddata.Lock lock = await(vertx.sharedData().getLockWithTimeout("facerec.admin-key-bootstrap", 60_000));
      try {
        await(AdminKeyBootstrap.ensure(keys, config.security().adminApiKey(), config.dataDir()));
      } finally {
        lock.release();
      }
      security = new Security(vertx, config, keys, () -> Math.max(1, membership.withRole(NodeRole.API).size()));
      security.cluster(membership.selfId(), () -> membership.withRole(NodeRole.API).stream().map(dev.facerec.cluster.Member::id).toList());
      await(security.start());
    }

    if (inference) {
      phase = "loading the models";
      PipelineOptions pipelineOptions = new PipelineOptions(config.images().maxDimension(), config.images().maxPixels(),
          config.detection().maxSide(), config.detection().maxFaces(), config.inference().intraOpThreads(), config.recognition().flipAugment(),
          false, config.images().processingMaxSide());
      int workers = config.inference().workers();
      String workersId = await(vertx.deployVerticle(() -> new InferenceVerticle(manifest, profile.id(), models.dir(), pipelineOptions, metrics),
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(workers)));
      gate = new InferenceGateVerticle(membership.selfId(), name, workers + config.inference().queueSize(), state, metrics);
      stopOrder.add(0, new String[] {"inference", await(vertx.deployVerticle(gate)), workersId});
      LOG.info("inference: profile {} ({}-d {}), {} worker(s), capacity {}", profile.id(), recognizer.outputDimension(), recognizer.id(),
          workers, workers + config.inference().queueSize());
    }

    if (indexRole) {
      phase = "loading the index";
      IndexParams params = new IndexParams(config.index().m(), config.index().efConstruction(), config.index().efSearch(),
          config.index().engine());
      // In a cluster the index nodes form a grid of their own, whose partition table places the shards.
      placement = cluster.enabled()
          ? IndexGrid.start(cluster, config.index().gridPortOffset(), membership.selfId(), config.index().replicas())
          : Placement.alone(membership.selfId());
      IndexVerticle index = new IndexVerticle(membership.selfId(), name, placement,
          () -> membership.withRole(NodeRole.INDEX).stream().map(dev.facerec.cluster.Member::id).collect(java.util.stream.Collectors.toSet()),
          params, config.index().snapshotIntervalSeconds(),
          config.index().changeLogRetention(), store, config.dataDir().resolve("index"), embeddingModel, recognizer.outputDimension(), config.index().searchThreads());
      state.check("index", index::notReadyReason);
      metrics.gauge(RecognitionMetrics.INDEX_APPLIED_SEQ, index::appliedSeq);
      stopOrder.add(new String[] {"index (snapshot saved)", await(vertx.deployVerticle(index,
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)))});
    }

    GalleryStore shardsFrom = store;
    IndexClient indexClient = new IndexClient(vertx, membership, config.index().ackTimeoutMs(), config.index().hedgeMs(), cluster.minMembers(),
        c -> shardsFrom == null ? Future.succeededFuture(null) : shardsFrom.collectionShards().map(m -> m.get(c)), tracing.tracer());
    if (indexRole) {
      dev.facerec.metrics.ProcessMetrics.indexSizes(vertx, registry, indexClient, membership.selfId());
    }
    InferenceClient inferenceClient = new InferenceClient(vertx, membership, config.inference().timeoutMs(), metrics, tracing.tracer());
    Recognition recognition = store == null ? null : new Recognition(store, inferenceClient, indexClient, metrics,
        new Recognition.Settings(profile.id(), embeddingModel, threshold, identifyThreshold, config.enrollment().gate(),
            config.enrollment().duplicateCheck(), config.recognition().subjectScore()));
    int minMembers = cluster.minMembers();
    state.check("quorum", () -> membership.members().size() >= minMembers ? null
        : "cut off from the cluster majority: " + membership.members().size() + " of at least " + minMembers + " members in view");
    if (api) {
      // An api node can serve only while the cluster holds inference and index nodes.
      state.check("cluster", () -> membership.withRole(NodeRole.INFERENCE).isEmpty() ? "no inference node in the cluster"
          : membership.withRole(NodeRole.INDEX).isEmpty() ? "no index node in the cluster" : null);
    }
    stopOrder.add(new String[] {"admin", await(vertx.deployVerticle(new AdminVerticle(membership, state, indexClient,
        this::localStatus, this::drain)))});

    ApiContext context = new ApiContext(config, store, inferenceClient, profile.id(), embeddingModel, recognizer.outputDimension(),
        threshold, thresholdSource, identifyThreshold, identifyThresholdSource, new ThresholdPolicy(profile), metrics, security,
        recognition, indexClient, membership, state,
        new ThresholdRules(new ThresholdRules.Defaults(profile.id(), threshold, thresholdSource, identifyThreshold, identifyThresholdSource,
            ThresholdRules.DEFAULT_FPIR, config.recognition().minMargin(), new ThresholdPolicy(profile),
            profile.impostorTail() == null ? null : new OpenSetThreshold(profile.impostorTail(),
                config.recognition().subjectScore() == dev.facerec.recognition.SubjectScore.CENTROID ? profile.centroidTails() : java.util.List.of()),
            models.identifyThresholds().containsKey(profile.id()))),
        new GallerySizes(c -> shardsFrom == null ? Future.succeededFuture(GallerySize.of(0)) : shardsFrom.gallerySize(c), 10_000_000_000L,
            System::nanoTime, GALLERY_SIZE_UNKNOWN));
    if (starting != null) {
      starting.close(); // the API server binds the port next
      starting = null;
    }
    HttpVerticle[] first = new HttpVerticle[1];
    int httpInstances = api ? Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())) : 1;
    stopOrder.add(0, new String[] {"HTTP", await(vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(context);
      if (first[0] == null) {
        first[0] = v;
      }
      return v;
    }, new DeploymentOptions().setInstances(httpInstances)))});
    port = first[0].port();
    first[0].watchTlsFiles(); // certificate rotation without a restart (TLS_RELOAD_CHECK_S)
    LOG.info("node {} ({}) listening on {}://{}:{} (roles {}; thresholds: verify {}, identify {}; {})", name, membership.selfId(),
        tls.enabled() ? "https" : "http", config.api().host(), port, cluster.roles(), threshold, identifyThreshold,
        tls.enabled() ? (tls.clientCaFile() != null ? "mutual TLS" : "TLS") : "PLAIN HTTP: ALLOW_PLAIN_HTTP=true");
  }

  private VertxBuilder traced(VertxBuilder builder) {
    return tracing.enabled() ? builder.withTracer(tracing.vertxTracer()) : builder;
  }

  private JsonObject localStatus() {
    JsonObject s = new JsonObject().put("httpRequestsInFlight", state.requestsInFlight());
    if (dbGuard != null) {
      s.put("database", dbReachable ? "ok" : "unreachable (circuit " + dbGuard.state() + "): reads answered from memory, writes refused");
    }
    if (gate != null) {
      s.put("inference", new JsonObject().put("inFlight", gate.inFlight()).put("capacity", config.inference().workers() + config.inference().queueSize()));
    }
    return s;
  }

  /**
   * Stops taking work (readiness 503, new requests 503, inference refused, WebSockets closed once their frames are
   * answered), waits for what is in flight (at most {@code SHUTDOWN_GRACE_S}), then leaves the cluster and runs
   * the drained hook (the CLI exits). The cluster's drain command; SIGTERM does the same through {@link #shutdown()}.
   */
  public void drain() {
    if (!beginDrain("an operator's drain command")) {
      return;
    }
    long t0 = System.currentTimeMillis();
    long until = t0 + config.api().shutdownGraceSeconds() * 1000L;
    Vertx v = vertx;
    v.setPeriodic(100, id -> {
      if (idle() || System.currentTimeMillis() > until) {
        v.cancelTimer(id);
        logDrained(t0);
        new Thread(() -> {
          close();
          onDrained.run();
        }, "drain").start();
      }
    });
  }

  /**
   * SIGTERM: the same drain, waited for on the calling thread (the JVM's shutdown hook), then every part stopped
   * in order ({@link #close()}). Each phase is logged.
   */
  public void shutdown() {
    long t0 = System.currentTimeMillis();
    if (vertx == null) {
      return;
    }
    beginDrain("SIGTERM");
    long until = t0 + config.api().shutdownGraceSeconds() * 1000L;
    while (!idle() && System.currentTimeMillis() < until) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    logDrained(t0);
    close();
    LOG.info("shutdown: done in {} ms", System.currentTimeMillis() - t0);
  }

  private synchronized boolean beginDrain(String why) {
    if (state.draining()) {
      return false;
    }
    LOG.warn("drain ({}): readiness answers 503, new requests 503 NODE_UNAVAILABLE; in flight: {} HTTP request(s), {} inference(s),"
        + " {} WebSocket(s) to close; grace {} s", why, state.requestsInFlight(), gate == null ? 0 : gate.inFlight(),
        state.drainHooks(), config.api().shutdownGraceSeconds());
    state.drain();
    return true;
  }

  private boolean idle() {
    return state.requestsInFlight() == 0 && (gate == null || gate.inFlight() == 0);
  }

  private void logDrained(long t0) {
    if (idle()) {
      LOG.info("drain: nothing in flight after {} ms", System.currentTimeMillis() - t0);
    } else {
      LOG.warn("drain: grace period over after {} ms with {} HTTP request(s) and {} inference(s) still in flight",
          System.currentTimeMillis() - t0, state.requestsInFlight(), gate == null ? 0 : gate.inFlight());
    }
  }

  /** What runs once a drain has finished (the command line exits the process). */
  public void onDrained(Runnable r) {
    this.onDrained = r;
  }

  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Membership membership() {
    return membership;
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(c.getMessage(), c);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Graceful stop: undeploys the verticles in dependency order (HTTP, inference, the index, which saves its
   * snapshots, the admin commands), leaves the cluster, closes the database. Each phase is logged.
   */
  @Override
  public synchronized void close() {
    if (starting != null) {
      starting.close();
      starting = null;
    }
    if (vertx != null) {
      for (String[] phase : stopOrder) {
        long t = System.currentTimeMillis();
        for (int i = 1; i < phase.length; i++) {
          try {
            vertx.undeploy(phase[i]).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
          } catch (Exception e) {
            LOG.warn("shutdown: {} did not stop cleanly: {}", phase[0], e.toString());
          }
        }
        LOG.info("shutdown: {} stopped in {} ms", phase[0], System.currentTimeMillis() - t);
      }
      stopOrder.clear();
    }
    if (membership != null) {
      membership.stop();
    }
    if (vertx != null) {
      long t = System.currentTimeMillis();
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("vert.x did not close cleanly: {}", e.toString());
      }
      LOG.info("shutdown: left the cluster, event bus and database pool closed in {} ms", System.currentTimeMillis() - t);
      vertx = null;
    }
    if (tracing != null) {
      tracing.close(); // the spans still batched are sent
      tracing = null;
    }
    if (placement != null) {
      placement.close();
      placement = null;
    }
    if (database != null) {
      database.close();
      LOG.info("shutdown: database closed");
      database = null;
    }
  }
}
