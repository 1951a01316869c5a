package dev.facerec.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * /metrics of a real node after real traffic (enroll, identify with a match, a bad key, a rate limit), checked by
 * Prometheus's own `promtool check metrics`; the shipped alert rules by `promtool check rules`; every metric the
 * rules and the Grafana dashboard use exists in the scrape.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsIT {
  static final String ADMIN_KEY = ApiKeys.generate();
  static final Path RULES = Path.of("cluster/prometheus/alerts.yml");
  static final Path DASHBOARD = Path.of("cluster/grafana/facerec-dashboard.json");

  final String schema = TestNode.schema("metricsit");
  Service service;
  Http admin;
  String scrape;
  double matchSimilarity;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("metricsit");
    Map<String, String> env = TestNode.env("faceplugin", TestData.modelsDir("faceplugin"), dir.resolve("data"),
        schema, ADMIN_KEY);
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    env.put("RATE_LIMIT_DETECT", "1");
    service = Service.start(ConfigLoader.load(env));
    admin = new Http(service.port(), ADMIN_KEY);
    String id = admin.postJson("/api/v1/subjects", "{\"name\":\"m\"}").json().getString("id");
    for (List<Path> person : TestData.people(4)) {
      List<Path> enrolled = new ArrayList<>();
      for (Path p : person) {
        if (enrolled.isEmpty()) {
          if (admin.postRaw("/api/v1/subjects/" + id + "/faces", "image/jpeg", Files.readAllBytes(p)).status() == 201) {
            enrolled.add(p);
          }
          continue;
        }
        JsonObject face = admin.postRaw("/api/v1/identify?largestOnly=true", "image/jpeg", Files.readAllBytes(p)).json()
            .getJsonArray("faces").getJsonObject(0);
        if ("match".equals(face.getString("decision"))) {
          matchSimilarity = face.getDouble("similarity");
          break;
        }
      }
      if (matchSimilarity > 0) {
        break;
      }
    }
    assertTrue(matchSimilarity > 0, "no identify match to measure");
    admin.withKey("fr_" + "Z".repeat(43)).get("/api/v1/subjects");
    Http detect = admin.withKey(admin.postJson("/api/v1/admin/keys", "{\"roles\":[\"detect\"]}").json().getString("key"));
    detect.get("/api/v1/subjects");
    detect.get("/api/v1/subjects");
    // Micrometer creates jvm_gc_pause_seconds at the first collection after the node started; a short run may
    // allocate too little for one, so ask for a real one rather than depend on the requests' allocation volume.
    System.gc();
    for (int i = 0; i < 40 && (scrape == null || !scrape.contains("facerec_index_faces{") || !scrape.contains("jvm_gc_pause_seconds")); i++) {
      Thread.sleep(250); // the index-size gauge refreshes every 5 s; GC notifications arrive on their own thread
      scrape = admin.anonymous().get("/metrics").body();
    }
    Files.writeString(Path.of("target", "metrics-scrape.txt"), scrape);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    TestNode.dropSchema(schema);
  }

  @Test
  @Order(1)
  @DisplayName("promtool check metrics accepts the scrape: HELP on every meter, conventional names")
  void promtoolAcceptsTheScrape() throws Exception {
    Result r = run(List.of("promtool", "check", "metrics"), scrape);
    assertEquals(0, r.exit(), r.output());
    assertEquals("", r.output().strip(), "promtool's lint findings");
    for (String line : scrape.lines().filter(l -> l.startsWith("# HELP ")).toList()) {
      String[] parts = line.split(" ", 4);
      assertTrue(parts.length == 4 && !parts[3].isBlank(), "no HELP text: " + line);
    }
  }

  @Test
  @Order(2)
  @DisplayName("operators find per-route latency, pipeline stages, queue against its limit, index, auth failures, 429s, errors by code, JVM, process and build")
  void operatorsFindWhatTheyGraph() {
    for (String series : List.of(
        "facerec_http_server_requests_seconds_bucket{method=\"POST\",route=\"/api/v1/identify\",status=\"200\",le=\"0.25\"}",
        "facerec_http_server_requests_seconds_bucket{method=\"POST\",route=\"/api/v1/subjects/:id/faces\",status=\"201\"",
        "facerec_inference_stage_seconds_bucket{stage=\"decode\"", "facerec_inference_stage_seconds_bucket{stage=\"detect\"",
        "facerec_inference_stage_seconds_bucket{stage=\"align\"", "facerec_inference_stage_seconds_bucket{stage=\"embed\"",
        "facerec_inference_in_flight ", "facerec_inference_capacity ", "facerec_index_search_seconds_bucket{collection=\"default\"",
        "facerec_index_faces{collection=\"default\"}", "facerec_auth_failures_total{credential=\"api_key\"}",
        "facerec_rate_limited_total{limit=\"key\"}", "facerec_errors_total{code=\"UNAUTHENTICATED\"}",
        "facerec_errors_total{code=\"RATE_LIMITED\"}", "jvm_memory_used_bytes{", "jvm_gc_pause_seconds", "jvm_threads_live_threads",
        "process_cpu_usage", "process_files_open_files", "process_resident_memory_bytes", "process_uptime_seconds",
        "facerec_build_info{profile=\"faceplugin\",version=\"")) {
      assertTrue(scrape.contains(series), "missing " + series);
    }
  }

  @Test
  @Order(3)
  @DisplayName("an accepted match's similarity lands in its bucket, not in +Inf")
  void similarityBucketsAreRight() {
    double percent = matchSimilarity * 100;
    Matcher m = Pattern.compile("facerec_identify_match_similarity_percent_bucket\\{le=\"([0-9.+Inf]+)\"} ([0-9.]+)").matcher(scrape);
    int buckets = 0;
    while (m.find()) {
      buckets++;
      double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
      double count = Double.parseDouble(m.group(2));
      assertEquals(percent <= le ? 1.0 : 0.0, count, "bucket le=" + le + " for a similarity of " + matchSimilarity);
    }
    assertTrue(buckets > 10, "buckets found: " + buckets);
  }

  @Test
  @Order(4)
  @DisplayName("promtool check rules accepts the alert rules, and every metric of the rules and the dashboard exists")
  void rulesAndDashboardUseRealMetrics() throws Exception {
    Result r = run(List.of("promtool", "check", "rules", RULES.toString()), null);
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
    String rules = Files.readString(RULES);
    String dashboard = Files.readString(DASHBOARD);
    new JsonObject(dashboard); // valid JSON
    for (String text : List.of(rules, dashboard)) {
      for (String name : metricNames(text)) {
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(scrape).find(), "unknown metric " + name);
      }
    }
    for (String alert : List.of("FacerecOverloaded", "FacerecHighErrorRate", "FacerecSlowRequests", "FacerecDatabaseDown", "FacerecIndexLagging")) {
      assertTrue(rules.contains("alert: " + alert), alert);
    }
  }

  /** Names of facerec_, jvm_, process_ and vertx_ series in an expression text. */
  static TreeSet<String> metricNames(String text) {
    TreeSet<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("\\b((?:facerec|jvm|process|vertx)_[a-z0-9_]+)").matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  record Result(int exit, String output) {}

  static Result run(List<String> cmd, String stdin) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }
}
