package dev.facerec.store;

import dev.facerec.store.GalleryStore.CollectionSettings;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What identify needs from the database besides the index, remembered so that it can answer while
 * PostgreSQL is unreachable: every subject's name and every collection's decision settings. Filled at start,
 * then kept current by this node's own writes, by every successful read, and by the facts other nodes publish
 * after their writes ({@link #apply}). About 150 bytes per subject.
 */
public final class LastKnown {
  private final Map<UUID, String> names = new ConcurrentHashMap<>();
  private final Map<String, CollectionSettings> settings = new ConcurrentHashMap<>();
  private volatile Consumer<JsonObject> publisher = f -> { };

  /** Where this node's changes go as facts (the event bus), so other nodes' memory follows. */
  public void publishTo(Consumer<JsonObject> publisher) {
    this.publisher = publisher;
  }

  /** A fact published by a node after a write: {@code {"subject", "name"}} (name null: deleted) or {@code {"collection", "settings"}}. */
  public void apply(JsonObject fact) {
    if (fact.containsKey("subject")) {
      UUID id = UUID.fromString(fact.getString("subject"));
      String name = fact.getString("name");
      if (name == null) {
        names.remove(id);
      } else {
        names.put(id, name);
      }
    } else if (fact.containsKey("collection")) {
      JsonObject s = fact.getJsonObject("settings", new JsonObject());
      settings.put(fact.getString("collection"), new CollectionSettings(s.getDouble("threshold"), s.getDouble("targetFmr"),
          s.getDouble("targetFpir"), s.getDouble("minMargin")));
    }
  }

  void named(UUID id, String name) {
    names.put(id, name);
    publisher.accept(new JsonObject().put("subject", id.toString()).put("name", name));
  }

  void deleted(UUID id) {
    names.remove(id);
    publisher.accept(new JsonObject().put("subject", id.toString()).putNull("name"));
  }

  void settings(String collection, CollectionSettings s) {
    settings.put(collection, s);
    publisher.accept(new JsonObject().put("collection", collection).put("settings", s.toJson()));
  }

  /** Remembers what a read returned (no fact is published: nothing changed). */
  void readNames(Map<UUID, String> read) {
    names.putAll(read);
  }

  void readSettings(String collection, CollectionSettings s) {
    settings.put(collection, s);
  }

  /** The remembered names of {@code ids}; unknown ids are absent. */
  public Map<UUID, String> names(Collection<UUID> ids) {
    Map<UUID, String> out = new HashMap<>();
    for (UUID id : ids) {
      String n = id == null ? null : names.get(id);
      if (n != null) {
        out.put(id, n);
      }
    }
    return out;
  }

  /** The remembered settings, or none when the collection has never had any. */
  public CollectionSettings settings(String collection) {
    return settings.getOrDefault(collection, CollectionSettings.NONE);
  }

  public int subjects() {
    return names.size();
  }
}
