package dev.facerec.index;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Where each shard can be searched, from the reports every index node publishes (the shards it holds
 * ready, the placement it computed, each collection's shard count). A search tries, for each shard: the
 * replicas that report it ready (this node first, then the least loaded), then the other placed holders,
 * then any other index node. Reports of nodes that left are dropped.
 */
public final class ShardTable {
  record Report(long appliedSeq, Map<String, Integer> counts, Set<String> ready, Map<String, List<String>> placement) {}

  private final Map<String, Report> reports = new ConcurrentHashMap<>();

  /** Takes an index node's report ({@code node}, {@code appliedSeq}, {@code counts}, {@code ready}, {@code placement}). */
  public void update(JsonObject r) {
    Map<String, Integer> counts = new HashMap<>();
    r.getJsonObject("counts", new JsonObject()).forEach(e -> counts.put(e.getKey(), ((Number) e.getValue()).intValue()));
    Set<String> ready = new HashSet<>();
    r.getJsonArray("ready", new JsonArray()).forEach(o -> ready.add((String) o));
    Map<String, List<String>> placement = new HashMap<>();
    r.getJsonObject("placement", new JsonObject()).forEach(e -> {
      List<String> holders = new ArrayList<>();
      ((JsonArray) e.getValue()).forEach(o -> holders.add((String) o));
      placement.put(e.getKey(), holders);
    });
    reports.put(r.getString("node"), new Report(r.getLong("appliedSeq", 0L), counts, ready, placement));
  }

  /** Forgets nodes that are no longer index members. */
  public void retain(Set<String> liveIndexNodes) {
    reports.keySet().retainAll(liveIndexNodes);
  }

  /** The collection's shard count as reported, or null when no index node has reported it yet. */
  public Integer shards(String collection) {
    for (Report r : reports.values()) {
      Integer n = r.counts().get(collection);
      if (n != null) {
        return n;
      }
    }
    return null;
  }

  public boolean readyOn(String node, String key) {
    Report r = reports.get(node);
    return r != null && r.ready().contains(key);
  }

  /** The nodes that report {@code key} ready. */
  public List<String> readyHolders(String key) {
    return reports.entrySet().stream().filter(e -> e.getValue().ready().contains(key)).map(Map.Entry::getKey).sorted().toList();
  }

  /** The order in which to ask index nodes for shard {@code key}. */
  public List<String> candidates(String key, String self, ToIntFunction<String> load, List<String> indexNodes) {
    Comparator<String> byLoad = Comparator.<String, Boolean>comparing(n -> !n.equals(self)).thenComparingInt(load).thenComparing(n -> n);
    List<String> out = new ArrayList<>(readyHolders(key).stream().filter(indexNodes::contains).sorted(byLoad).toList());
    List<String> placed = new ArrayList<>();
    reports.values().forEach(r -> r.placement().getOrDefault(key, List.of()).forEach(n -> {
      if (!placed.contains(n)) {
        placed.add(n);
      }
    }));
    placed.stream().filter(n -> !out.contains(n) && indexNodes.contains(n)).sorted(byLoad).forEach(out::add);
    indexNodes.stream().filter(n -> !out.contains(n)).sorted(byLoad).forEach(out::add);
    return out;
  }

  /** Shard → nodes reporting it ready, for the cluster status. */
  public JsonObject view() {
    Map<String, List<String>> byShard = new java.util.TreeMap<>();
    reports.forEach((node, r) -> r.ready().forEach(k -> byShard.computeIfAbsent(k, x -> new ArrayList<>()).add(node)));
    JsonObject out = new JsonObject();
    byShard.forEach((k, v) -> out.put(k, new JsonArray(v.stream().sorted().toList())));
    return out;
  }
}
