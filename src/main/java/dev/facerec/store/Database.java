package dev.facerec.store;

import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.TrustManagerFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gallery's PostgreSQL: an external server named by a URL, or an embedded one (zonky) whose files
 * live under {@code dataDir/postgres} and survive restarts. {@link #start} migrates the schema with
 * Flyway; verticles then make their own pools with {@link #createPool(Vertx)}.
 *
 * <p>Embedded mode as root: PostgreSQL refuses to run as root, so zonky runs {@code initdb} and
 * {@code pg_ctl} inside a user namespace ({@code unshare -U}). That needs util-linux's {@code unshare} on
 * the PATH and user namespaces enabled ({@code /proc/sys/user/max_user_namespaces} above 0); without them
 * run the service as a non-root user or give it a database URL.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  private static final String MIGRATIONS = "classpath:db/migration";

  private final PgUrl url;
  private final EmbeddedPostgres embedded;
  private final DatabaseSettings settings;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Database(PgUrl url, EmbeddedPostgres embedded, DatabaseSettings settings) {
    this.url = url;
    this.embedded = embedded;
    this.settings = settings;
  }

  /**
   * Connects (starting the embedded server when no URL is set) and migrates the schema. Blocking: call
   * once at service start, before deploying verticles.
   *
   * @throws IllegalArgumentException when the settings or URL are malformed
   * @throws IllegalStateException when the server cannot be started, reached or migrated
   */
  public static Database start(DatabaseSettings settings) {
    Database db = settings.embedded() ? startEmbedded(settings) : external(settings);
    try {
      db.migrate();
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  /**
   * {@link #start(DatabaseSettings)}, waiting for an external server that cannot be reached yet (refused, unknown
   * host, starting up) for at most {@code waitSeconds}, with back-off (1, 2, 4, then every 5 s), each attempt logged.
   * Meanwhile the node's port answers probes only (readiness 503).
   */
  public static Database start(DatabaseSettings settings, int waitSeconds) {
    if (settings.embedded() || waitSeconds <= 0) {
      return start(settings);
    }
    long t0 = System.currentTimeMillis();
    long until = t0 + waitSeconds * 1000L;
    long backoff = 1000;
    for (int attempt = 1; ; attempt++) {
      try {
        Database db = start(settings);
        if (attempt > 1) {
          LOG.info("database: reached {} after {} attempts, {} s", db.describe(), attempt, (System.currentTimeMillis() - t0) / 1000);
        }
        return db;
      } catch (IllegalStateException e) {
        String why = unreachable(e);
        long left = until - System.currentTimeMillis();
        if (why == null || left <= 0) {
          throw e;
        }
        long sleep = Math.min(backoff, left);
        LOG.warn("database: {} cannot be reached ({}); not ready, attempt {} failed, next in {} s ({} s left of DATABASE_STARTUP_WAIT_S={})",
            PgUrl.parse(settings.url()).masked(), why, attempt, Math.max(1, sleep / 1000), left / 1000, waitSeconds);
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** Why a failed start means the server is not reachable (yet), or null for any other failure (a wrong password, SQL). */
  static String unreachable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.net.ConnectException || c instanceof java.net.NoRouteToHostException
          || c instanceof java.net.SocketTimeoutException) {
        return "connection refused or timed out";
      }
      if (c instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
      if (c instanceof java.sql.SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("57P03") || sql.getSQLState().equals("53300"))) {
        return "server not accepting connections (SQLSTATE " + sql.getSQLState() + ")";
      }
    }
    return null;
  }

  /** Parses the URL without connecting (tests use it to check the options). */
  static Database external(DatabaseSettings settings) {
    return new Database(parse(settings, settings.url()), null, settings);
  }

  /** The URL with the settings' schema, which wins over the URL's. */
  private static PgUrl parse(DatabaseSettings settings, String text) {
    PgUrl url = PgUrl.parse(text);
    return settings.schema() != null && !settings.schema().isBlank() ? url.withSchema(settings.schema()) : url;
  }

  private static Database startEmbedded(DatabaseSettings settings) {
    if (settings.dataDir() == null) {
      throw new IllegalArgumentException("the embedded database needs a data directory");
    }
    String schema = PgUrl.checkSchema(settings.schema());
    Path dir = settings.dataDir().toAbsolutePath().resolve("postgres");
    EmbeddedPostgres pg;
    try {
      Files.createDirectories(dir);
      stopStaleServer(dir);
      pg = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false) // the gallery must survive restarts
          // zonky turns synchronous_commit off and starts the server with -F (fsync off): fine for tests. A
          // committed enrollment must survive a crash of the service and of the machine: both on (the -c given
          // after -F wins).
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .setServerConfig("full_page_writes", "on")
          .setPGStartupWait(Duration.ofSeconds(60))
          .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL in " + dir + ": " + e.getMessage()
          + (isRoot() ? " (running as root needs 'unshare -U' and user namespaces; see Database javadoc)" : ""),
          e);
    }
    PgUrl url = new PgUrl("localhost", pg.getPort(), "postgres", "postgres", null, "disable", null, schema);
    LOG.info("Embedded PostgreSQL started on port {} with data in {}", pg.getPort(), dir);
    return new Database(url, pg, settings);
  }

  /**
   * A service killed with SIGKILL leaves its embedded server running (pg_ctl starts it detached), holding the data
   * directory: the next start would fail. Such a server is found through {@code postmaster.pid} (a live postgres
   * process whose command line names this directory) and stopped: fast shutdown (SIGINT), after 30 s SIGKILL
   * (PostgreSQL then recovers from its write-ahead log). A pid file whose process is gone is left to PostgreSQL.
   */
  static void stopStaleServer(Path dir) {
    java.util.Optional<LiveServer> live = liveServer(dir);
    if (live.isEmpty()) {
      return;
    }
    long pid = live.get().pid();
    String port = live.get().port();
    java.util.Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return;
    }
    LOG.warn("embedded PostgreSQL: a server left running by a previous run (pid {}, port {}) holds {}; stopping it before start",
        pid, port, dir);
    long t0 = System.currentTimeMillis();
    try {
      new ProcessBuilder("kill", "-INT", String.valueOf(pid)).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      process.get().destroy(); // SIGTERM: a smart shutdown, enough once its clients are gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      process.get().onExit().get(30, TimeUnit.SECONDS);
      LOG.info("embedded PostgreSQL: the stale server (pid {}) stopped in {} ms", pid, System.currentTimeMillis() - t0);
    } catch (Exception notYet) {
      LOG.warn("embedded PostgreSQL: the stale server (pid {}) did not stop in 30 s; killing it (it recovers from its log)", pid);
      process.get().destroyForcibly();
      try {
        process.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("a PostgreSQL server (pid " + pid + ") left by a previous run holds " + dir
            + " and cannot be stopped; stop it, then start again", e);
      }
    }
  }

  /** A PostgreSQL server process that holds {@code dir} now: its pid and port. */
  public record LiveServer(long pid, String port) {}

  /**
   * The live embedded server holding {@code dataDir/postgres}, if any: a running service (or one killed
   * with SIGKILL, whose server outlives it). Commands that open the embedded database themselves refuse then.
   */
  public static java.util.Optional<LiveServer> runningEmbedded(Path dataDir) {
    return liveServer(dataDir.toAbsolutePath().resolve("postgres"));
  }

  /** Found through {@code postmaster.pid}: a live postgres process whose command line names this directory. */
  private static java.util.Optional<LiveServer> liveServer(Path dir) {
    Path pidFile = dir.resolve("postmaster.pid");
    long pid;
    String port;
    try {
      if (!Files.isRegularFile(pidFile)) {
        return java.util.Optional.empty();
      }
      java.util.List<String> lines = Files.readAllLines(pidFile);
      pid = Long.parseLong(lines.get(0).trim());
      port = lines.size() > 3 ? lines.get(3).trim() : "?";
    } catch (IOException | RuntimeException e) {
      LOG.warn("embedded PostgreSQL: unreadable {} ({}); leaving it to PostgreSQL", pidFile, e.toString());
      return java.util.Optional.empty();
    }
    java.util.Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      LOG.info("embedded PostgreSQL: {} names pid {}, which is gone (an unclean stop); PostgreSQL recovers on start", pidFile, pid);
      return java.util.Optional.empty();
    }
    String cmdline;
    try {
      cmdline = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), java.nio.charset.StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      cmdline = process.get().info().commandLine().orElse("");
    }
    if (!cmdline.contains("postgres") || !cmdline.contains(dir.toString())) {
      LOG.info("embedded PostgreSQL: {} names pid {}, now another process ({}); PostgreSQL handles the stale file", pidFile, pid,
          cmdline.isBlank() ? "?" : cmdline.split(" ")[0]);
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new LiveServer(pid, port));
  }

  /**
   * A plain JDBC connection to the same database and schema (search path), for bulk work that the
   * pooled client does not do: COPY in backups and restores. The caller closes it.
   */
  public java.sql.Connection openJdbc() throws java.sql.SQLException {
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", url.user());
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    props.setProperty("ApplicationName", "facerec");
    return java.sql.DriverManager.getConnection(url.jdbcUrl(), props);
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private void migrate() {
    FluentConfiguration config = Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations(MIGRATIONS)
        .connectRetries(0);
    if (url.schema() != null) {
      config.schemas(url.schema()); // created if missing; holds the tables and Flyway's history
    }
    try {
      Flyway flyway = config.load();
      int applied = flyway.migrate().migrationsExecuted;
      var current = flyway.info().current();
      LOG.info("Database {} at schema version {} ({} migrations applied now)", describe(),
          current == null ? "none" : current.getVersion(), applied);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot migrate " + describe() + ": " + e.getMessage(), e);
    }
  }

  /** Options for a pool connection: host, credentials, TLS and the schema's search path. */
  public PgConnectOptions connectOptions() {
    return connectOptions(url);
  }

  private static PgConnectOptions connectOptions(PgUrl url) {
    PgConnectOptions options = new PgConnectOptions()
        .setHost(url.host())
        .setPort(url.port())
        .setDatabase(url.database())
        .setUser(url.user())
        .setSslMode(SslMode.of(url.sslMode()));
    if (url.password() != null) {
      options.setPassword(url.password());
    }
    options.addProperty("application_name", "facerec");
    if (url.schema() != null) {
      options.addProperty("search_path", url.schema());
    }
    ClientSSLOptions ssl = sslOptions(url);
    if (ssl != null) {
      options.setSslOptions(ssl);
    }
    return options;
  }

  /** libpq's meaning of each sslmode: only verify-ca and verify-full check the server's certificate. */
  private static ClientSSLOptions sslOptions(PgUrl url) {
    switch (url.sslMode()) {
      case "disable":
        return null;
      case "allow":
      case "prefer":
      case "require":
        if (url.sslRootCert() != null) {
          // libpq verifies the chain (not the host name) under require when a root certificate is given.
          return new ClientSSLOptions().setTrustOptions(new PemTrustOptions().addCertPath(url.sslRootCert()))
              .setHostnameVerificationAlgorithm("");
        }
        return new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm("");
      case "verify-ca":
        return new ClientSSLOptions().setTrustOptions(trust(url)).setHostnameVerificationAlgorithm("");
      case "verify-full":
        return new ClientSSLOptions().setTrustOptions(trust(url)).setHostnameVerificationAlgorithm("HTTPS");
      default:
        throw new IllegalStateException("unknown sslmode " + url.sslMode());
    }
  }

  private static TrustOptions trust(PgUrl url) {
    if (url.sslRootCert() != null) {
      return new PemTrustOptions().addCertPath(url.sslRootCert());
    }
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init((KeyStore) null); // the JVM's default trust store
      return TrustOptions.wrap(tmf);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the default trust store", e);
    }
  }

  /**
   * Pool sizing; a query waits at most the connect timeout for a free connection. With a URL file, connections are
   * also replaced after 30 minutes, so a rotated password reaches every connection of a busy pool, not only new ones.
   */
  public PoolOptions poolOptions() {
    PoolOptions options = new PoolOptions()
        .setMaxSize(settings.poolMaxSize())
        .setConnectionTimeout(settings.connectTimeoutMs())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setIdleTimeout(5)
        .setIdleTimeoutUnit(TimeUnit.MINUTES);
    if (rotating()) {
      options.setMaxLifetime(30).setMaxLifetimeUnit(TimeUnit.MINUTES);
    }
    return options;
  }

  /** True when the URL comes from a file that is read again for each new connection (DATABASE_URL_FILE). */
  private boolean rotating() {
    return embedded == null && settings.urlFile() != null;
  }

  /** Transport options: the TCP connect timeout (Vert.x 5 keeps it here, not in the connect options). */
  public NetClientOptions netClientOptions() {
    return new NetClientOptions().setConnectTimeout(settings.connectTimeoutMs()).setTcpKeepAlive(true);
  }

  /**
   * A new, unshared pool on {@code vertx}; the caller closes it. With a URL file (DATABASE_URL_FILE) each new
   * connection reads the file first, so a rotated password or a moved server is used without a restart.
   */
  public Pool createPool(Vertx vertx) {
    return createPool(vertx, 0);
  }

  /**
   * {@link #createPool(Vertx)} whose statements the server cancels after {@code statementTimeoutMs} (PostgreSQL's
   * {@code statement_timeout}, sent when each connection opens; 0: none). The service sets it to the request
   * deadline, so a query outliving the request it serves does not keep holding a connection and the server's work.
   */
  public Pool createPool(Vertx vertx, long statementTimeoutMs) {
    java.util.function.UnaryOperator<PgConnectOptions> limit = o -> statementTimeoutMs <= 0 ? o
        : o.addProperty("statement_timeout", Long.toString(statementTimeoutMs));
    io.vertx.sqlclient.ClientBuilder<Pool> builder = PgBuilder.pool().with(poolOptions()).with(netClientOptions());
    if (rotating()) {
      builder.connectingTo(new UrlFile(vertx, settings.urlFile().toString(), limit.apply(connectOptions()), limit)::next);
    } else {
      builder.connectingTo(limit.apply(connectOptions()));
    }
    return builder.using(vertx).build();
  }

  /**
   * The connect options of the URL in a file, read again (asynchronously) for each new connection. A file that cannot
   * be read or parsed keeps the last good options, with one warning per distinct content.
   */
  private final class UrlFile {
    private record Read(String text, io.vertx.sqlclient.SqlConnectOptions options) {}

    private final Vertx vertx;
    private final String path;
    private final java.util.concurrent.atomic.AtomicReference<Read> last;
    private volatile String refused;
    private final java.util.function.UnaryOperator<PgConnectOptions> limit;

    UrlFile(Vertx vertx, String path, PgConnectOptions first, java.util.function.UnaryOperator<PgConnectOptions> limit) {
      this.vertx = vertx;
      this.path = path;
      this.limit = limit;
      this.last = new java.util.concurrent.atomic.AtomicReference<>(new Read(settings.url().trim(), first));
    }

    io.vertx.core.Future<io.vertx.sqlclient.SqlConnectOptions> next() {
      return vertx.fileSystem().readFile(path).map(buf -> {
        String text = buf.toString(java.nio.charset.StandardCharsets.UTF_8).trim();
        Read current = last.get();
        if (text.equals(current.text()) || text.equals(refused)) {
          return current.options();
        }
        try {
          PgUrl next = parse(settings, text);
          last.set(new Read(text, limit.apply(connectOptions(next))));
          LOG.info("database URL changed in {}: new connections use {}", path, next.masked());
          return last.get().options();
        } catch (RuntimeException e) {
          refused = text;
          LOG.warn("database URL in {} not used ({}): new connections keep {}", path, e.getMessage(), url.masked());
          return current.options();
        }
      }).recover(e -> {
        LOG.warn("database URL file {} cannot be read ({}): new connections keep the last URL read", path, e.getMessage());
        return io.vertx.core.Future.succeededFuture(last.get().options());
      });
    }
  }

  /** The JDBC URL without credentials (safe to log). */
  public String jdbcUrl() {
    return url.jdbcUrl();
  }

  /** The schema holding the tables, or null for the server's default ({@code public}). */
  public String schema() {
    return url.schema();
  }

  /** Where the database is, for logs: never includes the password. */
  public String describe() {
    return embedded != null ? "embedded " + url.masked() + " (data in " + settings.dataDir() + "/postgres)"
        : url.masked();
  }

  /** True when this process started the server. */
  public boolean embedded() {
    return embedded != null;
  }

  /** Stops the embedded server, if any; pools made by {@link #createPool} must be closed first. */
  @Override
  public void close() {
    if (embedded != null && closed.compareAndSet(false, true)) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }

  @Override
  public String toString() {
    return describe();
  }
}
