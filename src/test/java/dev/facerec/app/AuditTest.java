package dev.facerec.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.testing.DependencyAudit;
import dev.facerec.testing.DependencyAudit.Advisory;
import dev.facerec.testing.DependencyAudit.Dependency;
import dev.facerec.testing.DependencyAudit.Finding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline dependency audit: .ci/advisories.csv (kept current by the release process, docs/operations.md)
 * against the versions this build resolves: the jars of the test class path (runtime and test dependencies) and,
 * when `mvn package` has written it, the CycloneDX SBOM target/bom.json that the release attaches.
 */
class AuditTest {
  static final Path ADVISORIES = Path.of(".ci/advisories.csv");
  static final Path SBOM = Path.of("target/bom.json");

  static Set<Dependency> classPath() {
    Path repo = Path.of(System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));
    return DependencyAudit.fromClassPath(System.getProperty("java.class.path"), repo);
  }

  @Test
  @DisplayName("no dependency on the class path is in a range .ci/advisories.csv lists as affected")
  void classPathHasNoKnownAdvisory() throws Exception {
    Set<Dependency> deps = classPath();
    assertTrue(deps.size() > 50, "the class path's jars resolved to coordinates: " + deps);
    assertTrue(deps.contains(new Dependency("io.netty", "netty-codec-http2", nettyVersion(deps))), deps.toString());
    assertNoFindings(deps);
  }

  @Test
  @DisplayName("no component of the SBOM (target/bom.json, made before the tests) is in an affected range")
  void sbomHasNoKnownAdvisory() throws Exception {
    assertTrue(Files.isRegularFile(SBOM), "no target/bom.json: the cyclonedx plugin makes it before the tests (-Dcyclonedx.skip=true skips it)");
    Set<Dependency> deps = DependencyAudit.fromSbom(SBOM);
    assertTrue(deps.stream().anyMatch(d -> d.artifactId().equals("vertx-core")), deps.toString());
    assertNoFindings(deps);
  }

  /** Fails naming each dependency in an affected range, its advisory and the version to upgrade to. */
  static void assertNoFindings(Set<Dependency> deps) throws Exception {
    List<Finding> findings = DependencyAudit.audit(deps, DependencyAudit.advisories(ADVISORIES));
    assertTrue(findings.isEmpty(), findings.stream().map(Finding::toString).collect(Collectors.joining("\n")));
  }

  @Test
  @DisplayName("the advisories file names real libraries in well-formed rows, and each range affects its lower bound")
  void advisoriesFileIsWellFormed() throws Exception {
    List<Advisory> advisories = DependencyAudit.advisories(ADVISORIES);
    assertTrue(advisories.size() >= 20, advisories.size() + " rows");
    Set<String> used = classPath().stream().map(d -> d.groupId() + ":" + d.artifactId()).collect(Collectors.toSet());
    for (Advisory a : advisories) {
      assertTrue(used.contains(a.groupId() + ":" + a.artifactId()), a + ": not a library of this build");
      if (!a.introduced().equals("0")) {
        assertTrue(a.affects(new Dependency(a.groupId(), a.artifactId(), a.introduced())), a.toString());
      }
      assertFalse(a.affects(new Dependency(a.groupId(), a.artifactId(), a.fixed())), a.toString());
    }
  }

  @Test
  @DisplayName("the audit fails on a synthetic affected version: an old jackson-databind, netty in the 4.2 range, logback")
  void auditReportsAnAffectedVersion() throws Exception {
    List<Advisory> advisories = DependencyAudit.advisories(ADVISORIES);
    List<Dependency> synthetic = List.of(
        new Dependency("com.fasterxml.jackson.core", "jackson-databind", "2.13.2"),
        new Dependency("io.netty", "netty-codec-http2", "4.2.3.Final"),
        new Dependency("ch.qos.logback", "logback-classic", "1.4.11"),
        new Dependency("io.netty", "netty-codec-http2", "4.2.4.Final"), // the fixed release: clean
        new Dependency("org.yaml", "snakeyaml", "2.0")); // the fixed release: clean
    List<Finding> findings = DependencyAudit.audit(synthetic, advisories);
    Set<String> hits = findings.stream().map(f -> f.dependency() + " " + f.advisory().id()).collect(Collectors.toSet());
    assertEquals(Set.of("com.fasterxml.jackson.core:jackson-databind:2.13.2 CVE-2020-36518",
        "com.fasterxml.jackson.core:jackson-databind:2.13.2 CVE-2022-42003",
        "io.netty:netty-codec-http2:4.2.3.Final CVE-2025-55163",
        "ch.qos.logback:logback-classic:1.4.11 CVE-2023-6378"), hits);
    assertTrue(findings.get(0).toString().contains("upgrade to"), findings.get(0).toString());
  }

  @Test
  @DisplayName("a malformed row is refused with its line number")
  void malformedRowIsRefused(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("advisories.csv");
    Files.writeString(csv, "groupId,artifactId,introduced,fixed,advisory,note\nio.netty,netty-handler,4.1.94.Final,4.1.0,CVE-2023-34462,x\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DependencyAudit.advisories(csv));
    assertTrue(e.getMessage().contains(":2: empty range"), e.getMessage());
    Files.writeString(csv, "io.netty,netty-handler,0,4.1.94.Final,CVE-23-1,x\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DependencyAudit.advisories(csv)).getMessage().contains("advisory id"));
  }

  @Test
  @DisplayName("versions order as Maven orders them: numbers numerically, pre-releases before the release, Final = plain")
  void versionsOrderLikeMaven() {
    assertTrue(DependencyAudit.compare("42.7.14", "42.7.2") > 0);
    assertTrue(DependencyAudit.compare("2.12.6", "2.12.6.1") < 0);
    assertTrue(DependencyAudit.compare("4.2.0.Alpha1", "4.2.0.Final") < 0);
    assertTrue(DependencyAudit.compare("4.2.0.Beta1", "4.2.0.Alpha2") > 0);
    assertTrue(DependencyAudit.compare("1.0-rc1", "1.0") < 0);
    assertTrue(DependencyAudit.compare("1.0-SNAPSHOT", "1.0") < 0);
    assertEquals(0, DependencyAudit.compare("4.2.0.Final", "4.2.0"));
    assertEquals(0, DependencyAudit.compare("2.0", "2.0.0"));
    assertTrue(DependencyAudit.compare("4.9.0-0", "4.9.0") == 0 && DependencyAudit.compare("4.9.0-1", "4.9.0") > 0);
  }

  private static String nettyVersion(Set<Dependency> deps) {
    return deps.stream().filter(d -> d.artifactId().equals("netty-codec-http2")).map(Dependency::version).findFirst().orElse("none");
  }
}
