package dev.facerec.store;

import java.nio.file.Path;

/**
 * Where the gallery lives. A blank {@code url} means an embedded PostgreSQL whose files are kept under
 * {@code dataDir/postgres}; otherwise {@code url} is a {@code postgres://}, {@code postgresql://} or
 * {@code jdbc:postgresql://} URL (see {@link Database#start(DatabaseSettings)}). {@code schema}, when set,
 * places every table in that schema (it wins over a {@code ?schema=} URL parameter); tests use it to keep
 * their rows apart.
 *
 * @param url the external server's URL, or null/blank for the embedded server
 * @param dataDir the service's data directory; required for the embedded server
 * @param poolMaxSize connections per pool made by {@link Database#createPool}
 * @param connectTimeoutMs TCP connect timeout, and how long a query waits for a free pool connection
 * @param schema the schema to use, or null/blank for the URL's {@code schema} parameter or {@code public}
 * @param urlFile the file {@code url} was read from (DATABASE_URL_FILE), read again for each new pool connection so
 *     that a rotated password is used without a restart; null when the URL is given directly
 */
public record DatabaseSettings(String url, Path dataDir, int poolMaxSize, int connectTimeoutMs, String schema, Path urlFile) {
  public DatabaseSettings {
    if (poolMaxSize < 1) {
      throw new IllegalArgumentException("poolMaxSize must be at least 1, got " + poolMaxSize);
    }
    if (connectTimeoutMs < 1) {
      throw new IllegalArgumentException("connectTimeoutMs must be at least 1, got " + connectTimeoutMs);
    }
  }

  /** Settings without an explicit schema. */
  public DatabaseSettings(String url, Path dataDir, int poolMaxSize, int connectTimeoutMs) {
    this(url, dataDir, poolMaxSize, connectTimeoutMs, null, null);
  }

  /** Settings with the URL given directly (not from a file). */
  public DatabaseSettings(String url, Path dataDir, int poolMaxSize, int connectTimeoutMs, String schema) {
    this(url, dataDir, poolMaxSize, connectTimeoutMs, schema, null);
  }

  /** True when no URL is set, so {@link Database} starts its own server. */
  public boolean embedded() {
    return url == null || url.isBlank();
  }

  /** Never shows the URL's password (records print every component by default). */
  @Override
  public String toString() {
    String where;
    if (embedded()) {
      where = "embedded";
    } else {
      try {
        where = PgUrl.parse(url).masked();
      } catch (IllegalArgumentException e) {
        where = "<malformed url>";
      }
    }
    return "DatabaseSettings[" + where + ", dataDir=" + dataDir + ", poolMaxSize=" + poolMaxSize
        + ", connectTimeoutMs=" + connectTimeoutMs + ", schema=" + schema + ", urlFile=" + urlFile + "]";
  }

  /** The same settings placing the tables in {@code schema}. */
  public DatabaseSettings withSchema(String schema) {
    return new DatabaseSettings(url, dataDir, poolMaxSize, connectTimeoutMs, schema, urlFile);
  }

  /** The same settings, {@code url} having been read from {@code file}, which new connections read again. */
  public DatabaseSettings withUrlFile(Path file) {
    return new DatabaseSettings(url, dataDir, poolMaxSize, connectTimeoutMs, schema, file);
  }
}
