package dev.facerec.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed PostgreSQL URL: {@code postgres://}, {@code postgresql://} or {@code jdbc:postgresql://}
 * {@code [user[:password]@]host[:port][/database][?param=value&...]}. Reserved characters in the user
 * or password must be percent-encoded. Parameters read: {@code sslmode}, {@code sslrootcert},
 * {@code schema} (or JDBC's {@code currentSchema}), {@code user}, {@code password} and JDBC's
 * {@code ssl=true}; others are ignored.
 */
record PgUrl(
    String host, int port, String database, String user, String password, String sslMode, String sslRootCert,
    String schema) {

  static final int DEFAULT_PORT = 5432;
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final java.util.Set<String> SSL_MODES =
      java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  static PgUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("database URL is empty");
    }
    String s = url.trim();
    String rest = null;
    for (String scheme : new String[] {"jdbc:postgresql://", "postgresql://", "postgres://"}) {
      if (s.regionMatches(true, 0, scheme, 0, scheme.length())) {
        rest = s.substring(scheme.length());
        break;
      }
    }
    if (rest == null) {
      throw new IllegalArgumentException(
          "database URL must start with postgres://, postgresql:// or jdbc:postgresql://");
    }
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    int q = rest.indexOf('?');
    String query = q >= 0 ? rest.substring(q + 1) : "";
    String beforeQuery = q >= 0 ? rest.substring(0, q) : rest;

    // The last '@' ends the user info, so a raw '/' or ':' in a password still parses.
    String userInfo = null;
    int at = beforeQuery.lastIndexOf('@');
    if (at >= 0) {
      userInfo = beforeQuery.substring(0, at);
      beforeQuery = beforeQuery.substring(at + 1);
    }
    int slash = beforeQuery.indexOf('/');
    String hostPort = slash >= 0 ? beforeQuery.substring(0, slash) : beforeQuery;
    String database = slash >= 0 ? decode(beforeQuery.substring(slash + 1)) : "";

    String host;
    int port = DEFAULT_PORT;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("database URL has an unclosed IPv6 host");
      }
      host = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (after.startsWith(":")) {
        port = parsePort(after.substring(1));
      } else if (!after.isEmpty()) {
        throw new IllegalArgumentException("database URL has a malformed host");
      }
    } else {
      if (hostPort.contains(",")) {
        throw new IllegalArgumentException("database URL names several hosts; only one is supported");
      }
      int colon = hostPort.lastIndexOf(':');
      host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
      if (colon >= 0) {
        port = parsePort(hostPort.substring(colon + 1));
      }
    }
    host = decode(host);
    if (host.isEmpty()) {
      host = "localhost";
    }

    String user = null;
    String password = null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
      password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
    }

    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
      String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
      params.put(key, value);
    }
    if (params.containsKey("user")) {
      user = params.get("user");
    }
    if (params.containsKey("password")) {
      password = params.get("password");
    }
    if (user == null || user.isEmpty()) {
      user = "postgres";
    }
    if (database.isEmpty()) {
      database = user; // libpq's default
    }
    String sslMode = params.get("sslmode");
    if (sslMode == null) {
      sslMode = "true".equalsIgnoreCase(params.get("ssl")) ? "require" : "disable";
    }
    sslMode = sslMode.toLowerCase(Locale.ROOT);
    if (!SSL_MODES.contains(sslMode)) {
      throw new IllegalArgumentException("database URL has an unknown sslmode: " + sslMode);
    }
    String schema = params.getOrDefault("schema", params.get("currentSchema"));
    return new PgUrl(host, port, database, user, password, sslMode, params.get("sslrootcert"),
        checkSchema(schema));
  }

  /** Null for blank; otherwise a plain lower-case identifier, so it never needs quoting. */
  static String checkSchema(String schema) {
    if (schema == null || schema.isBlank()) {
      return null;
    }
    if (!SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters): " + schema);
    }
    return schema;
  }

  PgUrl withSchema(String newSchema) {
    return new PgUrl(host, port, database, user, password, sslMode, sslRootCert, checkSchema(newSchema));
  }

  /** The JDBC URL, without user or password (they are passed apart so the URL can be logged). */
  String jdbcUrl() {
    StringBuilder b = new StringBuilder("jdbc:postgresql://")
        .append(host.contains(":") ? "[" + host + "]" : host)
        .append(':').append(port).append('/').append(encode(database))
        .append("?sslmode=").append(sslMode);
    if (sslRootCert != null) {
      b.append("&sslrootcert=").append(encode(sslRootCert));
    } else if (sslMode.startsWith("verify")) {
      // Same trust as the Vert.x side: the JVM's default trust store.
      b.append("&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");
    }
    if (schema != null) {
      b.append("&currentSchema=").append(schema);
    }
    return b.toString();
  }

  /** The URL with the password masked. */
  String masked() {
    StringBuilder b = new StringBuilder("postgresql://").append(encode(user));
    if (password != null) {
      b.append(":***");
    }
    b.append('@').append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port)
        .append('/').append(encode(database)).append("?sslmode=").append(sslMode);
    if (schema != null) {
      b.append("&schema=").append(schema);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return masked(); // never the password
  }

  private static int parsePort(String s) {
    try {
      int port = Integer.parseInt(s);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("database URL has an invalid port: " + s);
    }
  }

  /** Percent-decoding as in a URI: unlike URLDecoder, '+' stays '+'. */
  static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 3;
      } else {
        byte[] bytes = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        i += Character.charCount(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private static String encode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }
}
