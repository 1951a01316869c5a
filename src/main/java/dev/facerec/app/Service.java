package dev.facerec.app;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.HttpVerticle;
import dev.facerec.bus.Codecs;
import dev.facerec.config.AppConfig;
import dev.facerec.index.IndexParams;
import dev.facerec.index.IndexVerticle;
import dev.facerec.model.ModelManifest;
import dev.facerec.model.ModelSpec;
import dev.facerec.model.ModelVerifier;
import dev.facerec.model.ProfileSpec;
import dev.facerec.model.ThresholdPolicy;
import dev.facerec.pipeline.InferenceClient;
import dev.facerec.pipeline.InferenceVerticle;
import dev.facerec.pipeline.PipelineOptions;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import dev.facerec.store.ApiKeyStore;
import dev.facerec.store.GalleryStore;
import dev.facerec.security.AdminKeyBootstrap;
import dev.facerec.security.Security;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.facerec.metrics.RecognitionMetrics;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment plan of one node: verify models, open the database, then deploy the inference workers,
 * the index verticle and the HTTP verticles, in that order, so the API only listens once it can answer.
 */
public final class Service implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Service.class);

  private final AppConfig config;
  private Vertx vertx;
  private Database database;
  private Pool pool;
  private PrometheusMeterRegistry registry;
  private int port;

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
    AppConfig.Models models = config.models();
    ModelManifest manifest = ModelManifest.load(models.dir());
    ProfileSpec profile = manifest.profile(models.profile());
    ModelVerifier.verifyProfile(manifest, profile.id(), models.dir());
    ModelSpec recognizer = manifest.model(profile.recognizer());
    double threshold = models.thresholds().getOrDefault(profile.id(), profile.threshold());
    String thresholdSource = models.thresholds().containsKey(profile.id())
        ? "configuration (THRESHOLD_" + profile.id().toUpperCase().replace('-', '_') + ")"
        : "manifest: " + profile.thresholdSource();
    double identifyThreshold = models.identifyThresholds().getOrDefault(profile.id(), profile.identifyThreshold());
    String identifyThresholdSource = models.identifyThresholds().containsKey(profile.id())
        ? "configuration (IDENTIFY_THRESHOLD_" + profile.id().toUpperCase().replace('-', '_') + ")"
        : "manifest: " + profile.identifyThresholdSource();

    database = Database.start(new DatabaseSettings(config.database().url(), config.dataDir(),
        config.database().poolMaxSize(), config.database().connectTimeoutMs()));
    LOG.info("database: {}", database.describe());

    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    Codecs.register(vertx);
    pool = database.createPool(vertx);
    GalleryStore store = new GalleryStore(pool);
    ApiKeyStore keys = new ApiKeyStore(pool);
    await(AdminKeyBootstrap.ensure(keys, config.security().adminApiKey(), config.dataDir()));
    Security security = new Security(vertx, config, keys);
    await(security.start());

    Map<String, String> inUse = await(store.collectionModels());
    inUse.forEach((collection, model) -> {
      if (!model.equals(recognizer.id())) {
        throw new IllegalStateException("collection '" + collection + "' holds embeddings made with model '" + model
            + "', but profile '" + profile.id() + "' uses '" + recognizer.id() + "': start with the profile of that model,"
            + " or use another database; embeddings of different recognizers are never mixed");
      }
    });

    PipelineOptions pipelineOptions = new PipelineOptions(config.images().maxDimension(), config.images().maxPixels(),
        config.detection().maxSide(), config.detection().maxFaces(), config.inference().intraOpThreads(), config.recognition().flipAugment(), false);
    int workers = config.inference().workers();
    await(vertx.deployVerticle(() -> new InferenceVerticle(manifest, profile.id(), models.dir(), pipelineOptions),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(workers)));
    LOG.info("inference: profile {} ({}-d {}), {} worker(s)", profile.id(), recognizer.outputDimension(), recognizer.id(), workers);

    IndexParams params = new IndexParams(config.index().m(), config.index().efConstruction(), config.index().efSearch());
    await(vertx.deployVerticle(new IndexVerticle(params, config.index().snapshotIntervalSeconds(), store,
        config.dataDir().resolve("index"), recognizer.id(), recognizer.outputDimension()),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));

    InferenceClient inference = new InferenceClient(vertx, workers + config.inference().queueSize(), config.inference().timeoutMs());
    RecognitionMetrics metrics = new RecognitionMetrics(registry);
    metrics.gauge(RecognitionMetrics.INFERENCE_IN_FLIGHT, inference::inFlight);
    ApiContext api = new ApiContext(config, store, inference, profile.id(), recognizer.id(), recognizer.outputDimension(),
        threshold, thresholdSource, identifyThreshold, identifyThresholdSource, new ThresholdPolicy(profile), metrics, security);
    HttpVerticle[] first = new HttpVerticle[1];
    int httpInstances = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    await(vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(api);
      if (first[0] == null) {
        first[0] = v;
      }
      return v;
    }, new DeploymentOptions().setInstances(httpInstances)));
    port = first[0].port();
    LOG.info("listening on {}://{}:{} (thresholds: verify {}, identify {}; {})", tls.enabled() ? "https" : "http", config.api().host(), port,
        threshold, identifyThreshold, tls.enabled() ? (tls.clientCaFile() != null ? "mutual TLS" : "TLS")
            : "PLAIN HTTP: ALLOW_PLAIN_HTTP=true");
  }

  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
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

  /** Graceful stop: undeploys verticles (the index saves its snapshots), closes the pool and the database. */
  @Override
  public void close() {
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("vert.x did not close cleanly: {}", e.toString());
      }
      vertx = null;
    }
    if (database != null) {
      database.close();
      database = null;
    }
  }
}
