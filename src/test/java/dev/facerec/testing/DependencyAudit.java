package dev.facerec.testing;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An offline dependency audit: the advisories of a checked-in CSV file (groupId, artifactId, introduced, fixed,
 * advisory, note; a version is affected when introduced <= version < fixed) against resolved dependency versions,
 * read from the test class path (jars under the local Maven repository) or a CycloneDX SBOM.
 */
public final class DependencyAudit {
  private DependencyAudit() {}

  /** A resolved dependency. */
  public record Dependency(String groupId, String artifactId, String version) {
    @Override
    public String toString() {
      return groupId + ":" + artifactId + ":" + version;
    }
  }

  /** One affected range of one advisory. */
  public record Advisory(String groupId, String artifactId, String introduced, String fixed, String id, String note) {
    public boolean affects(Dependency d) {
      return groupId.equals(d.groupId()) && artifactId.equals(d.artifactId())
          && (introduced.equals("0") || compare(d.version(), introduced) >= 0) && compare(d.version(), fixed) < 0;
    }
  }

  /** A dependency in an affected range. */
  public record Finding(Dependency dependency, Advisory advisory) {
    @Override
    public String toString() {
      return dependency + " is affected by " + advisory.id() + " (" + advisory.introduced() + " <= v < " + advisory.fixed()
          + "; upgrade to " + advisory.fixed() + " or later): " + advisory.note();
    }
  }

  private static final Pattern ADVISORY_ID = Pattern.compile("CVE-\\d{4}-\\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}");

  /** Reads the file; a malformed row fails with its line number. Lines starting with # and the header are skipped. */
  public static List<Advisory> advisories(Path csv) throws IOException {
    List<Advisory> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(csv);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("groupId,")) {
        continue;
      }
      String[] f = line.split(",", 6);
      String where = csv + ":" + (i + 1) + ": ";
      if (f.length != 6 || f[0].isBlank() || f[1].isBlank() || f[5].isBlank()) {
        throw new IllegalArgumentException(where + "expected groupId,artifactId,introduced,fixed,advisory,note: " + line);
      }
      if (!ADVISORY_ID.matcher(f[4]).matches()) {
        throw new IllegalArgumentException(where + "advisory id is neither CVE-YYYY-N nor GHSA-xxxx-xxxx-xxxx: " + f[4]);
      }
      if (!f[2].equals("0") && compare(f[2], f[3]) >= 0) {
        throw new IllegalArgumentException(where + "empty range: introduced " + f[2] + " is not below fixed " + f[3]);
      }
      out.add(new Advisory(f[0], f[1], f[2], f[3], f[4], f[5]));
    }
    return out;
  }

  /** Every finding: each dependency against each advisory. */
  public static List<Finding> audit(Iterable<Dependency> dependencies, List<Advisory> advisories) {
    List<Finding> out = new ArrayList<>();
    for (Dependency d : dependencies) {
      for (Advisory a : advisories) {
        if (a.affects(d)) {
          out.add(new Finding(d, a));
        }
      }
    }
    return out;
  }

  /**
   * The jars of a class path that lie in the local Maven repository, as coordinates from their place in it
   * ({@code group/path/artifact/version/artifact-version.jar}).
   */
  public static Set<Dependency> fromClassPath(String classPath, Path repository) {
    Path repo = repository.toAbsolutePath().normalize();
    Set<Dependency> out = new TreeSet<>(java.util.Comparator.comparing(Dependency::toString));
    for (String entry : classPath.split(File.pathSeparator)) {
      Path jar = Path.of(entry).toAbsolutePath().normalize();
      if (!jar.startsWith(repo) || !jar.toString().endsWith(".jar")) {
        continue;
      }
      Path rel = repo.relativize(jar);
      int n = rel.getNameCount();
      if (n < 4) {
        continue;
      }
      String artifact = rel.getName(n - 3).toString();
      String version = rel.getName(n - 2).toString();
      if (!rel.getName(n - 1).toString().startsWith(artifact + "-" + version)) {
        continue; // not laid out as a repository artifact
      }
      out.add(new Dependency(rel.subpath(0, n - 3).toString().replace(File.separatorChar, '.'), artifact, version));
    }
    return out;
  }

  /** The library components of a CycloneDX JSON SBOM (as {@code mvn package} writes to target/bom.json). */
  public static Set<Dependency> fromSbom(Path bomJson) throws IOException {
    JsonObject bom = new JsonObject(Files.readString(bomJson));
    Set<Dependency> out = new TreeSet<>(java.util.Comparator.comparing(Dependency::toString));
    for (Object o : bom.getJsonArray("components", new io.vertx.core.json.JsonArray())) {
      JsonObject c = (JsonObject) o;
      if (c.getString("group") != null && c.getString("version") != null) {
        out.add(new Dependency(c.getString("group"), c.getString("name"), c.getString("version")));
      }
    }
    return out;
  }

  private static final Pattern ITEM = Pattern.compile("\\d+|[a-zA-Z]+");

  /**
   * Orders versions as Maven does for the forms libraries use: numbers compared as numbers, then qualifiers
   * alpha < beta < milestone < rc < snapshot < release (none, final, ga, release) < sp; a missing item counts as 0 or
   * release, so 2.12.6 < 2.12.6.1 and 4.2.0.Alpha1 < 4.2.0.Final = 4.2.0.
   */
  public static int compare(String a, String b) {
    List<String> x = items(a);
    List<String> y = items(b);
    for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
      String p = i < x.size() ? x.get(i) : null;
      String q = i < y.size() ? y.get(i) : null;
      int c = compareItem(p, q);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static List<String> items(String v) {
    List<String> out = new ArrayList<>();
    Matcher m = ITEM.matcher(v.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static int compareItem(String p, String q) {
    boolean pn = p == null || Character.isDigit(p.charAt(0));
    boolean qn = q == null || Character.isDigit(q.charAt(0));
    if (p != null && q != null && pn && qn) {
      return new java.math.BigInteger(p).compareTo(new java.math.BigInteger(q));
    }
    if (p == null && q == null) {
      return 0;
    }
    if ((p == null || pn) && (q == null || qn)) {
      return new java.math.BigInteger(p == null ? "0" : p).compareTo(new java.math.BigInteger(q == null ? "0" : q));
    }
    // a number beats any qualifier (4.2.0.1 > 4.2.0.final); a missing item is a release
    if (p != null && pn) {
      return 1;
    }
    if (q != null && qn) {
      return -1;
    }
    int r = Integer.compare(rank(p), rank(q));
    return r != 0 || rank(p) != 2 ? r : p.compareTo(q); // unknown qualifiers: alphabetically
  }

  private static int rank(String qualifier) {
    if (qualifier == null) {
      return 0;
    }
    return switch (qualifier) {
      case "alpha", "a" -> -5;
      case "beta", "b" -> -4;
      case "milestone", "m" -> -3;
      case "rc", "cr" -> -2;
      case "snapshot" -> -1;
      case "final", "ga", "release" -> 0;
      case "sp" -> 1;
      default -> 2;
    };
  }
}
