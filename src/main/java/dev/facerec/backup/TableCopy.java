package dev.facerec.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The tables of the current schema moved with PostgreSQL's COPY (text format, gzip): every value comes back
 * exactly as stored (embeddings bit for bit, timestamps to the microsecond), as pg_dump's data would, but
 * through the JDBC driver, so no PostgreSQL binaries are needed (the embedded database has none on the PATH).
 * Flyway's history table is left out: the restoring side migrates its own schema.
 */
final class TableCopy {
  static final String FLYWAY_HISTORY = "flyway_schema_history";

  private TableCopy() {}

  /** The schema's tables with their columns, parents before children (foreign keys), so a restore loads in this order. */
  static Map<String, List<String>> tables(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables "
        + "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '" + FLYWAY_HISTORY
        + "' ORDER BY table_name")) {
      while (r.next()) {
        names.add(r.getString(1));
      }
    }
    Map<String, Set<String>> parents = new HashMap<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT ch.relname, pa.relname FROM pg_constraint k "
        + "JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid "
        + "WHERE k.contype = 'f' AND ch.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())")) {
      while (r.next()) {
        if (!r.getString(1).equals(r.getString(2))) {
          parents.computeIfAbsent(r.getString(1), k -> new HashSet<>()).add(r.getString(2));
        }
      }
    }
    List<String> ordered = new ArrayList<>();
    while (ordered.size() < names.size()) {
      int before = ordered.size();
      for (String t : names) {
        if (!ordered.contains(t) && ordered.containsAll(parents.getOrDefault(t, Set.of()))) {
          ordered.add(t);
        }
      }
      if (ordered.size() == before) {
        throw new IllegalStateException("foreign keys form a cycle among " + names);
      }
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String t : ordered) {
      out.put(t, columns(c, t));
    }
    return out;
  }

  private static List<String> columns(Connection c, String table) throws SQLException {
    List<String> cols = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT column_name FROM information_schema.columns "
        + "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
      s.setString(1, table);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          cols.add(r.getString(1));
        }
      }
    }
    return cols;
  }

  /** Writes a table's rows to {@code file} (gzip'd COPY text); returns how many. */
  static long dump(Connection c, String table, List<String> columns, Path file) throws SQLException, IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16)) {
      return copy(c).copyOut("COPY (SELECT " + list(columns) + " FROM " + quote(table) + " ORDER BY 1) TO STDOUT", out);
    }
  }

  /** Loads a file written by {@link #dump} into the table, columns in the file's order; returns how many rows. */
  static long load(Connection c, String table, List<String> columns, Path file) throws SQLException, IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
      return copy(c).copyIn("COPY " + quote(table) + " (" + list(columns) + ") FROM STDIN", in);
    }
  }

  /** Rows in each table; "empty" for a restore means none but the counter row a migration writes. */
  static long rows(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + quote(table))) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Moves each serial column's sequence past the restored rows, so new rows do not collide with them. */
  static void resetSequences(Connection c) throws SQLException {
    List<String[]> serials = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT table_name, column_name FROM information_schema.columns "
        + "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'")) {
      while (r.next()) {
        serials.add(new String[] {r.getString(1), r.getString(2)});
      }
    }
    for (String[] tc : serials) {
      try (Statement s = c.createStatement()) {
        s.execute("SELECT setval(pg_get_serial_sequence('" + quote(tc[0]).replace("'", "''") + "', '" + tc[1].replace("'", "''")
            + "'), COALESCE((SELECT max(" + quote(tc[1]) + ") FROM " + quote(tc[0]) + "), 0) + 1, false)");
      }
    }
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String list(List<String> columns) {
    return String.join(", ", columns.stream().map(TableCopy::quote).toList());
  }

  private static CopyManager copy(Connection c) throws SQLException {
    return c.unwrap(PGConnection.class).getCopyAPI();
  }
}
