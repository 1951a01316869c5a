package dev.facerec.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Http;
import dev.facerec.testing.NodeProcess;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three index nodes (all roles) with INDEX_SHARDS=6 and INDEX_REPLICAS=2, each a JVM on 127.0.0.1: a gallery
 * of 2,000 imported embeddings plus enrolled fixture faces spread over the nodes; identify equal to exact search;
 * kill -9 of a node under load; its return; a network partition made with iptables (CI runs as root);
 * import twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedClusterIT {
  static final String PROFILE = "faceplugin";
  static final String KEY = ApiKeys.generate();
  static final int SYNTHETIC = 2000;
  /** The embedding size of the profile's recognizer (faceplugin: 512). */
  static final int DIM = 512;
  static final int REAL = 12;

  final String schema = TestNode.schema("shardit");
  final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  final Map<String, Map<String, String>> envs = new HashMap<>();
  Path models;
  Path root;
  String modelId;
  /** probe image → the subject id it must be identified as */
  final Map<Path, String> probes = new LinkedHashMap<>();
  final Map<Path, float[]> probeEmbeddings = new HashMap<>();
  /** probe → the decision identify gave on the whole gallery (subject id or "unknown"): what every later answer must repeat */
  final Map<Path, String> decided = new HashMap<>();
  int realFaces;
  final List<String> rules = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    models = TestData.modelsDir(PROFILE);
    root = Files.createTempDirectory("shardit");
    Map<String, Integer> hz = new HashMap<>();
    for (String n : List.of("s1", "s2", "s3")) {
      hz.put(n, NodeProcess.freePortPair(200));
    }
    String members = String.join(",", hz.values().stream().map(p -> "127.0.0.1:" + p).toList());
    // Reserved whole: the partition drops every packet from this range, so no other node may listen inside it.
    int outbound = NodeProcess.freePortRange(50);
    for (String n : List.of("s1", "s2", "s3")) {
      Map<String, String> env = TestNode.clusterEnv(PROFILE, models, root.resolve(n), schema, KEY, n, members, hz.get(n));
      env.put("INDEX_SHARDS", "6");
      env.put("INDEX_REPLICAS", "2");
      env.put("CLUSTER_MIN_MEMBERS", "2");
      env.put("INDEX_SNAPSHOT_INTERVAL_S", "2");
      if (n.equals("s3")) {
        env.put("CLUSTER_OUTBOUND_PORTS", outbound + "-" + (outbound + 49)); // so that the partition can cut its connections
      }
      envs.put(n, env);
    }
    for (String n : List.of("s1", "s2", "s3")) {
      startNode(n);
    }
    for (NodeProcess p : nodes.values()) {
      p.awaitReady(Duration.ofMinutes(3));
    }
  }

  void startNode(String n) throws IOException {
    nodes.put(n, new NodeProcess(n, envs.get(n), Integer.parseInt(envs.get(n).get("API_PORT"))).start());
  }

  @AfterAll
  void stop() throws Exception {
    heal();
    for (NodeProcess p : nodes.values()) {
      p.close();
    }
    TestNode.dropSchema(schema);
  }

  Http http(String n) {
    return new Http(nodes.get(n).port(), KEY);
  }

  JsonObject status(String via) {
    Http.Res r = http(via).get("/api/v1/admin/cluster/status");
    assertEquals(200, r.status(), r.toString());
    return r.json();
  }

  /** Shard → members holding it (from the cluster status). */
  static Map<String, List<String>> holders(JsonObject status) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    status.getJsonObject("shards").forEach(e -> {
      List<String> m = new ArrayList<>();
      ((JsonArray) e.getValue()).forEach(o -> m.add(((JsonObject) o).getString("member")));
      out.put(e.getKey(), m);
    });
    return out;
  }

  /** Waits until every shard of "default" is held by exactly {@code copies} members of {@code among}, all agreeing. */
  long awaitReplication(String via, Set<String> among, int copies, Duration max) throws Exception {
    long t0 = System.nanoTime();
    JsonObject last = null;
    while (System.nanoTime() - t0 < max.toNanos()) {
      try {
        last = status(via);
        Map<String, List<String>> h = holders(last);
        boolean ok = h.keySet().stream().filter(k -> k.startsWith("default#")).count() == 6
            && h.entrySet().stream().filter(e -> e.getKey().startsWith("default#"))
                .allMatch(e -> e.getValue().size() == copies && among.containsAll(e.getValue()))
            && last.getBoolean("replicasAgree");
        if (ok) {
          return (System.nanoTime() - t0) / 1_000_000;
        }
      } catch (RuntimeException | AssertionError notYet) {
        // a node may not answer while it joins
      }
      Thread.sleep(200);
    }
    throw new AssertionError("shards not back at " + copies + " copies on " + among + ": " + (last == null ? null : last.getJsonObject("shards"))
        + (last == null ? "" : "; members in " + via + "'s view: " + members(last)));
  }

  /**
   * The members a cluster status lists, each with its error when it did not answer: a member that is missing or did
   * not answer is missing from the shard map too, which then reads like shards that were never replicated.
   */
  static List<String> members(JsonObject status) {
    List<String> out = new ArrayList<>();
    status.getJsonArray("members").forEach(o -> {
      JsonObject m = (JsonObject) o;
      String error = m.containsKey("error") ? m.getString("error")
          : m.getJsonObject("index") != null ? m.getJsonObject("index").getString("error") : null;
      out.add(m.getString("name") + (error == null ? "" : " (" + error + ")"));
    });
    return out;
  }

  static float[] unit(Random r, float[] around, double noise) {
    float[] v = new float[around.length];
    double n = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (around[i] + noise * r.nextGaussian());
      n += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }

  static String b64(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return Base64.getEncoder().encodeToString(b.array());
  }

  static float[] vec(String b64) {
    byte[] bytes = Base64.getDecoder().decode(b64);
    float[] v = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }

  String ndjson(long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder(new JsonObject().put("format", "facerec-embeddings").put("version", 1).put("collection", "default")
        .put("modelId", modelId).put("dimension", DIM).encode()).append('\n');
    for (int id = 0; id < SYNTHETIC / 5; id++) {
      float[] center = unit(r, new float[DIM], 1.0);
      UUID subject = new UUID(seed, id);
      for (int f = 0; f < 5; f++) {
        sb.append(new JsonObject().put("faceId", new UUID(seed + 1, id * 5L + f).toString()).put("subjectId", subject.toString())
            .put("subject", "synthetic-" + id).put("embedding", b64(unit(r, center, 0.05))).encode()).append('\n');
      }
    }
    return sb.toString();
  }

  JsonObject importFile(String via, String body) {
    Http.Res r = http(via).postRaw("/api/v1/collections/default/embeddings", "application/x-ndjson", body.getBytes());
    assertEquals(200, r.status(), r.toString());
    String[] lines = r.body().strip().split("\n");
    JsonObject last = new JsonObject(lines[lines.length - 1]);
    assertTrue(last.getBoolean("done", false), r.body());
    return last;
  }

  /** Exact top-5 subjects by cosine over an export of the collection. */
  /** The 5 best subjects by brute force, each scored as the service scores it: the cosine to the centroid of its faces. */
  List<String> exact(Map<String, float[]> faceVectors, Map<String, String> faceSubject, float[] q) {
    Map<String, double[]> sums = new HashMap<>();
    faceVectors.forEach((face, v) -> {
      double[] sum = sums.computeIfAbsent(faceSubject.get(face), k -> new double[v.length]);
      double n = Math.sqrt(dot(v, v));
      for (int i = 0; i < v.length; i++) {
        sum[i] += v[i] / n;
      }
    });
    Map<String, Double> score = new HashMap<>();
    double qn = Math.sqrt(dot(q, q));
    sums.forEach((subject, sum) -> {
      double d = 0;
      double n = 0;
      for (int i = 0; i < sum.length; i++) {
        d += sum[i] * q[i];
        n += sum[i] * sum[i];
      }
      score.put(subject, d / (Math.sqrt(n) * qn));
    });
    return score.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(5).map(Map.Entry::getKey).toList();
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  /** A probe's name in the scratch collection: fixture file names repeat across people. */
  static String probeName(Path image) {
    return TestData.personOf(image) + "-" + image.getFileName();
  }

  @Test
  @Order(1)
  @DisplayName("2,000 imported faces and enrolled fixture faces spread over 3 nodes, each holding about 2/3; identify equals exact search")
  void spreadsAndAnswersExactly() throws Exception {
    modelId = status("s1").getJsonArray("members").getJsonObject(0).getJsonObject("index").getString("modelId", null);
    if (modelId == null) {
      modelId = http("s1").get("/api/v1/index/status").json().getString("modelId");
    }
    JsonObject imported = importFile("s1", ndjson(7));
    assertEquals(SYNTHETIC, imported.getInteger("imported"), imported.encode());
    for (List<Path> person : TestData.people(2)) {
      if (probes.size() == REAL) {
        break;
      }
      String id = http("s2").postJson("/api/v1/subjects", "{\"name\":\"" + person.get(0).getParent().getFileName() + "\"}").json().getString("id");
      if (http("s2").postFile("/api/v1/subjects/" + id + "/faces?allowDuplicate=true", Files.readAllBytes(person.get(0))).status() == 201) {
        realFaces++;
        // the probe's own embedding, read back from a scratch collection
        String scratch = http("s2").postJson("/api/v1/subjects", "{\"name\":\"" + probeName(person.get(1))
            + "\",\"collection\":\"probes\"}").json().getString("id");
        if (http("s2").postFile("/api/v1/subjects/" + scratch + "/faces?allowDuplicate=true", Files.readAllBytes(person.get(1))).status() == 201) {
          probes.put(person.get(1), id);
        }
      }
    }
    assertEquals(REAL, probes.size());
    String probeExport = http("s3").get("/api/v1/collections/probes/embeddings").body();
    for (String l : List.of(probeExport.strip().split("\n")).subList(1, REAL + 1)) {
      JsonObject j = new JsonObject(l);
      Path file = probes.keySet().stream().filter(p -> probeName(p).equals(j.getString("subject"))).findFirst().orElseThrow();
      probeEmbeddings.put(file, vec(j.getString("embedding")));
    }
    Map<String, float[]> faceVectors = new HashMap<>();
    Map<String, String> faceSubject = new HashMap<>();
    String export = http("s3").get("/api/v1/collections/default/embeddings").body();
    List<String> lines = List.of(export.strip().split("\n"));
    assertEquals(SYNTHETIC + realFaces + 1, lines.size());
    for (String l : lines.subList(1, lines.size())) {
      JsonObject j = new JsonObject(l);
      faceVectors.put(j.getString("faceId"), vec(j.getString("embedding")));
      faceSubject.put(j.getString("faceId"), j.getString("subjectId"));
    }
    // Nodes that started first held every shard until the others had built theirs: wait for the placement to settle.
    awaitRebalanced(Duration.ofSeconds(90));
    JsonObject st = status("s1");
    long total = 0;
    for (Object o : st.getJsonArray("members")) {
      JsonObject idx = ((JsonObject) o).getJsonObject("index");
      long held = idx.getLong("faces") - idx.getJsonArray("collections").stream().map(c -> (JsonObject) c)
          .filter(c -> !c.getString("collection").equals("default")).mapToLong(c -> c.getLong("size")).sum();
      total += held;
      int all = SYNTHETIC + realFaces;
      // 12 copies of 6 shards over 3 nodes: about 4 shards, 2/3 of the gallery, each (shards differ a little in size).
      assertTrue(held > 0.5 * all && held < 0.8 * all, ((JsonObject) o).getString("name") + " holds " + held + " of " + all);
      System.out.printf("[shards] %s holds %d of %d faces of 'default'%n", ((JsonObject) o).getString("name"), held, all);
    }
    assertEquals(2L * (SYNTHETIC + realFaces), total, "every face exactly twice");
    // Each probe against exact search over every exported face.
    int checked = 0;
    for (Map.Entry<Path, float[]> e : probeEmbeddings.entrySet()) {
      List<String> expected = exact(faceVectors, faceSubject, e.getValue());
      JsonObject answer = http("s3").postFile("/api/v1/identify?largestOnly=true&limit=5", Files.readAllBytes(e.getKey())).json();
      List<String> got = answer.getJsonArray("faces").getJsonObject(0).getJsonArray("candidates").stream()
          .map(c -> ((JsonObject) c).getString("subjectId")).toList();
      assertEquals(expected, got, "identify of " + e.getKey().getFileName() + " differs from exact search");
      JsonObject subject = answer.getJsonArray("faces").getJsonObject(0).getJsonObject("subject");
      decided.put(e.getKey(), subject == null ? "unknown" : subject.getString("id"));
      checked++;
    }
    assertEquals(REAL, checked);
  }

  List<String> loadFailures = Collections.synchronizedList(new ArrayList<>());
  List<Long> latencies = Collections.synchronizedList(new ArrayList<>());

  /** p50 and p99 of the latencies from index {@code from} on, in ms. */
  String percentiles(int from) {
    List<Long> l;
    synchronized (latencies) {
      l = new ArrayList<>(latencies.subList(from, latencies.size()));
    }
    Collections.sort(l);
    return l.isEmpty() ? "none" : "p50 " + l.get(l.size() / 2) + " ms, p99 " + l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.99) - 1)) + " ms ("
        + l.size() + " requests)";
  }
  AtomicInteger answered = new AtomicInteger();

  List<Thread> load(List<String> via, AtomicBoolean stop) {
    loadFailures.clear();
    assertEquals(probes.keySet(), decided.keySet(), "the baseline decisions are missing");
    List<Thread> threads = new ArrayList<>();
    List<Path> files = new ArrayList<>(probes.keySet());
    for (String n : via) {
      Thread t = new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          Path p = files.get(i++ % files.size());
          try {
            long t0 = System.nanoTime();
            Http.Res r = http(n).postFile("/api/v1/identify?largestOnly=true", Files.readAllBytes(p));
            latencies.add((System.nanoTime() - t0) / 1_000_000);
            JsonObject s = r.status() == 200 ? r.json().getJsonArray("faces").getJsonObject(0).getJsonObject("subject") : null;
            if (r.status() != 200) {
              String msg = r.json().getJsonObject("error", new JsonObject()).getString("message", "");
              loadFailures.add(n + " " + r.status() + " " + r.errorCode() + ": " + msg.substring(0, Math.min(160, msg.length())));
            } else if (!(s == null ? "unknown" : s.getString("id")).equals(decided.get(p))) {
              loadFailures.add(n + " answered " + (s == null ? "unknown" : s.getString("name")) + " for " + p.getFileName()
                  + ", not " + decided.get(p));
            } else {
              answered.incrementAndGet();
            }
          } catch (Exception e) {
            loadFailures.add(n + " " + e);
          }
        }
      });
      t.start();
      threads.add(t);
    }
    return threads;
  }

  @Test
  @Order(2)
  @DisplayName("kill -9 of a node under identify load through the other two: zero failed requests, every answer right, shards back at 2 copies")
  void nodeLossFailsNothing() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = load(List.of("s2", "s3"), stop);
    Thread.sleep(4000);
    int before = answered.get();
    String steady = percentiles(0);
    int mark = latencies.size();
    long t0 = System.nanoTime();
    nodes.get("s1").kill9();
    long back = awaitReplication("s2", Set.of("s2", "s3"), 2, Duration.ofSeconds(90));
    Thread.sleep(2000);
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf("[shards] kill -9 s1: every shard back at 2 copies %d ms after the kill; %d identify during, failures %s%n",
        (System.nanoTime() - t0) / 1_000_000 - 2000, answered.get() - before, loadFailures);
    System.out.printf("[shards] identify latency before the kill: %s; from the kill until 2 s after full replication: %s%n", steady, percentiles(mark));
    assertTrue(loadFailures.isEmpty(), loadFailures.toString());
  }

  @Test
  @Order(3)
  @DisplayName("the killed node returns: shards move onto it, no request fails during the move, each still at 2 copies")
  void returningNodeTakesShards() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = load(List.of("s2", "s3"), stop);
    startNode("s1");
    nodes.get("s1").awaitReady(Duration.ofMinutes(2));
    long t = awaitRebalanced(Duration.ofSeconds(90));
    stop.set(true);
    for (Thread th : threads) {
      th.join();
    }
    System.out.printf("[shards] s1 back: shards rebalanced %d ms after it was ready; failures %s%n", t, loadFailures);
    assertTrue(loadFailures.isEmpty(), loadFailures.toString());
  }

  /** Until all three hold shards, each shard has 2 agreeing copies, and that holds still for 3 s (a merge may move shards again). */
  long awaitRebalanced(Duration max) throws Exception {
    long t0 = System.nanoTime();
    Map<String, List<String>> stableSince = null;
    long stableAt = 0;
    while (System.nanoTime() - t0 < max.toNanos()) {
      JsonObject st = status("s2");
      Map<String, List<String>> h = holders(st);
      boolean everyoneHolds = st.getJsonArray("members").size() == 3
          && st.getJsonArray("members").stream().allMatch(o -> ((JsonObject) o).getJsonObject("index").getLong("faces") > 0);
      boolean good = everyoneHolds && st.getBoolean("replicasAgree") && h.values().stream().allMatch(v -> v.size() == 2);
      if (good && h.equals(stableSince)) {
        if (System.nanoTime() - stableAt > 3_000_000_000L) {
          return (stableAt - t0) / 1_000_000;
        }
      } else {
        stableSince = good ? h : null;
        stableAt = System.nanoTime();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not rebalanced: " + holders(status("s2")));
  }

  void iptables(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("iptables"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "iptables " + String.join(" ", args) + ": " + out + " (the partition test needs root and iptables)");
  }

  void heal() throws Exception {
    for (String r : List.copyOf(rules)) {
      iptables(("-D " + r).split(" "));
      rules.remove(r);
    }
  }

  @Test
  @Order(4)
  @DisplayName("a partition cuts s3 off: it answers 503 and is not ready; s1 and s2 serve and enroll; after healing every copy agrees")
  void partitionedNodeStepsBack() throws Exception {
    Map<String, String> e3 = envs.get("s3");
    int hz = Integer.parseInt(e3.get("CLUSTER_PORT"));
    String[] range = e3.get("CLUSTER_OUTBOUND_PORTS").split("-");
    int from = Integer.parseInt(range[0]);
    int to = Integer.parseInt(range[1]);
    for (String n : List.of("s1", "s2", "s3")) { // the rules below must cut s3's cluster traffic alone
      Map<String, String> e = envs.get(n);
      int cluster = Integer.parseInt(e.get("CLUSTER_PORT"));
      int api = Integer.parseInt(e.get("API_PORT"));
      for (int port : n.equals("s3") ? List.of(api) : List.of(cluster, cluster + 200, Integer.parseInt(e.get("CLUSTER_BUS_PORT")), api)) {
        assertTrue(port < from || port > to, n + " listens on " + port + ", inside s3's outbound ports " + from + "-" + to);
      }
    }
    for (String port : List.of(String.valueOf(hz), String.valueOf(hz + 200), e3.get("CLUSTER_BUS_PORT"))) {
      rules.add("OUTPUT -o lo -p tcp --dport " + port + " -j DROP");
      rules.add("OUTPUT -o lo -p tcp --sport " + port + " -j DROP");
    }
    rules.add("OUTPUT -o lo -p tcp --sport " + range[0] + ":" + range[1] + " -j DROP");
    for (String r : rules) {
      iptables(("-I " + r).split(" "));
    }
    long t0 = System.nanoTime();
    Http anon3 = new Http(nodes.get("s3").port());
    while (anon3.get("/api/v1/health/ready").status() != 503) {
      assertTrue(System.nanoTime() - t0 < 60_000_000_000L, "s3 never noticed it was cut off");
      Thread.sleep(200);
    }
    System.out.printf("[shards] partition: s3 not ready after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    Path probe = probes.keySet().iterator().next();
    Http.Res cut = http("s3").postFile("/api/v1/identify", Files.readAllBytes(probe));
    assertEquals(503, cut.status(), cut.toString());
    awaitReplication("s1", Set.of("s1", "s2"), 2, Duration.ofSeconds(90));
    assertEquals(200, http("s1").postFile("/api/v1/identify", Files.readAllBytes(probe)).status());
    List<List<Path>> people = TestData.people(2);
    List<Path> person = people.get(people.size() - 1); // after the REAL people enrolled above
    String id = http("s1").postJson("/api/v1/subjects", "{\"name\":\"during-partition\"}").json().getString("id");
    assertEquals(201, http("s1").postFile("/api/v1/subjects/" + id + "/faces?allowDuplicate=true", Files.readAllBytes(person.get(0))).status());
    heal();
    long t1 = System.nanoTime();
    nodes.get("s3").awaitReady(Duration.ofMinutes(2));
    long r = awaitRebalanced(Duration.ofSeconds(120));
    System.out.printf("[shards] healed: s3 ready after %d ms, every copy agreeing %d ms later%n", (System.nanoTime() - t1) / 1_000_000 - r, r);
  }

  /** Shard → [size, checksum] of its first copy: the gallery's content, whoever holds it. */
  static Map<String, String> content(JsonObject status) {
    Map<String, String> out = new java.util.TreeMap<>();
    status.getJsonObject("shards").forEach(e -> {
      JsonObject first = ((JsonArray) e.getValue()).getJsonObject(0);
      out.put(e.getKey(), first.getInteger("size") + "/" + first.getString("checksum"));
    });
    return out;
  }

  @Test
  @Order(5)
  @DisplayName("importing the same export twice adds nothing the second time")
  void importIsIdempotent() {
    String export = http("s2").get("/api/v1/collections/default/embeddings").body();
    int faces = export.strip().split("\n").length - 1;
    JsonObject before = status("s2");
    JsonObject again = importFile("s1", export);
    assertEquals(0, again.getInteger("imported"), again.encode());
    assertEquals(faces, again.getInteger("skipped"), again.encode());
    JsonObject after = status("s2");
    assertEquals(content(before), content(after), "the gallery changed");
    Http.Res wrong = http("s1").postRaw("/api/v1/collections/default/embeddings", "application/x-ndjson",
        export.replaceFirst("\"modelId\":\"[^\"]+\"", "\"modelId\":\"other-model\"").getBytes());
    assertEquals(409, wrong.status(), wrong.toString());
    assertEquals("MODEL_MISMATCH", wrong.errorCode());
  }
}
