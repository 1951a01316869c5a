package dev.facerec.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The PostgreSQL every test uses: the server named by {@code TEST_DATABASE_URL}
 * ({@code postgres://user[:password]@host[:port]/database}; the database is created when missing), otherwise one
 * embedded server started on first use and shared by the whole test JVM. Tests isolate themselves in schemas of
 * their own, so one server serves them all; nothing here names a fixed address.
 */
public final class TestDatabase {
  private static Server server;

  private TestDatabase() {}

  private record Server(String host, int port, String database, String user, String password, EmbeddedPostgres embedded) {
    String hostPortDb() {
      return host + ":" + port + "/" + database;
    }
  }

  /** {@code host:port/database} of the test server. */
  public static String hostPortDb() {
    return server().hostPortDb();
  }

  public static String host() {
    return server().host();
  }

  public static int port() {
    return server().port();
  }

  /** A service {@code DATABASE_URL} for a schema of the test's own (created by the service's migration). */
  public static String url(String schema) {
    return base() + "?schema=" + schema;
  }

  /** The service {@code DATABASE_URL} without a schema: {@code postgres://user[:password]@host:port/database}. */
  public static String base() {
    Server s = server();
    return "postgres://" + s.user() + (s.password().isEmpty() ? "" : ":" + s.password()) + "@" + s.hostPortDb();
  }

  /** A JDBC connection to the test database (the {@code public} schema, or {@code schema} when not null). */
  public static Connection connect(String schema) throws SQLException {
    Server s = server();
    return DriverManager.getConnection("jdbc:postgresql://" + s.hostPortDb() + (schema == null ? "" : "?currentSchema=" + schema),
        s.user(), s.password());
  }

  public static Connection connect() throws SQLException {
    return connect(null);
  }

  public static void dropSchema(String schema) {
    try (Connection c = connect()) {
      c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema, e);
    }
  }

  /** Whether the server is the embedded one (tests that stop or restart PostgreSQL start servers of their own). */
  public static boolean embedded() {
    return server().embedded() != null;
  }

  private static synchronized Server server() {
    if (server == null) {
      String url = System.getenv("TEST_DATABASE_URL");
      server = url == null || url.isBlank() ? startEmbedded() : external(url.trim());
    }
    return server;
  }

  private static Server external(String url) {
    URI u = URI.create(url.replaceFirst("^postgres(ql)?://", "pg://"));
    String info = u.getRawUserInfo() == null ? "postgres" : u.getRawUserInfo();
    String user = info.contains(":") ? info.substring(0, info.indexOf(':')) : info;
    String password = info.contains(":") ? info.substring(info.indexOf(':') + 1) : "";
    String db = u.getPath() == null || u.getPath().length() < 2 ? "postgres" : u.getPath().substring(1);
    Server s = new Server(u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(), db, user, password, null);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + s.hostPortDb(), user, password)) {
      return s;
    } catch (SQLException missing) {
      if (!"3D000".equals(missing.getSQLState())) { // invalid_catalog_name: the database does not exist yet
        throw new IllegalStateException("TEST_DATABASE_URL " + url + " is not reachable: " + missing.getMessage(), missing);
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + s.host() + ":" + s.port() + "/postgres", user, password)) {
      c.createStatement().execute("CREATE DATABASE \"" + db.replace("\"", "") + "\"");
      return s;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the database of TEST_DATABASE_URL " + url + ": " + e.getMessage(), e);
    }
  }

  /**
   * One embedded server for the JVM, its files under {@code target/test-postgres/PID} (so a benchmark and a test run
   * side by side do not share one), stopped when the JVM exits; directories of processes gone are removed. As root
   * zonky runs it inside a user namespace, as the service's own embedded mode does.
   */
  private static Server startEmbedded() {
    try {
      Path root = Path.of("target", "test-postgres").toAbsolutePath();
      Files.createDirectories(root);
      try (var dirs = Files.list(root)) {
        for (Path d : (Iterable<Path>) dirs::iterator) {
          String name = d.getFileName().toString();
          if (!name.matches("\\d+") || ProcessHandle.of(Long.parseLong(name)).map(ProcessHandle::isAlive).orElse(false)) {
            continue;
          }
          try (var files = Files.walk(d)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
          }
        }
      }
      Path dir = root.resolve(String.valueOf(ProcessHandle.current().pid()));
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(true)
          .setServerConfig("max_connections", "300") // clusters of several nodes, each with pools of its own
          .setPGStartupWait(Duration.ofSeconds(60))
          .start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (IOException ignored) {
          // the JVM is exiting; zonky's own hook removes what is left
        }
      }, "test-postgres-stop"));
      return new Server("127.0.0.1", pg.getPort(), "postgres", "postgres", "", pg);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the embedded test PostgreSQL (or set TEST_DATABASE_URL): " + e.getMessage(), e);
    }
  }
}
