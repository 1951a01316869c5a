package dev.facerec.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One committed gallery change, as written to the change log in the same transaction: its sequence
 * number (gapless, in commit order), the collection, and the faces it added or removed. A settings change
 * carries no faces; {@code shards} is the collection's shard count, so a replica knows each face's shard. Replicas apply changes strictly in {@code seq} order; applying one twice changes
 * nothing (adds replace, removes of absent faces are no-ops).
 */
public record IndexChange(long seq, String collection, int shards, Op op, List<Entry> add, List<UUID> remove) {
  public enum Op { ADD, REMOVE, SETTINGS }

  public record Entry(UUID faceId, UUID subjectId, float[] vector) {}

  public static IndexChange adding(long seq, String collection, int shards, UUID faceId, UUID subjectId, float[] vector) {
    return new IndexChange(seq, collection, shards, Op.ADD, List.of(new Entry(faceId, subjectId, vector)), List.of());
  }

  public static IndexChange removing(long seq, String collection, int shards, List<UUID> faceIds) {
    return new IndexChange(seq, collection, shards, Op.REMOVE, List.of(), List.copyOf(faceIds));
  }

  public Wire toWire() {
    Wire w = new Wire(new JsonObject());
    JsonArray a = new JsonArray();
    add.forEach(e -> a.add(new JsonArray().add(e.faceId().toString()).add(e.subjectId().toString()).add(w.attach(Vectors.toBytes(e.vector())))));
    JsonArray r = new JsonArray();
    remove.forEach(id -> r.add(id.toString()));
    w.header().put("seq", seq).put("collection", collection).put("shards", shards).put("op", op.name()).put("add", a).put("remove", r);
    return w;
  }

  public static IndexChange fromWire(Wire w) {
    JsonObject j = w.header();
    List<Entry> add = new ArrayList<>();
    j.getJsonArray("add").forEach(o -> {
      JsonArray e = (JsonArray) o;
      add.add(new Entry(UUID.fromString(e.getString(0)), UUID.fromString(e.getString(1)), Vectors.fromBytes(w.blob(e.getInteger(2)))));
    });
    List<UUID> remove = new ArrayList<>();
    j.getJsonArray("remove").forEach(o -> remove.add(UUID.fromString((String) o)));
    return new IndexChange(j.getLong("seq"), j.getString("collection"), j.getInteger("shards", 1), Op.valueOf(j.getString("op")), add, remove);
  }
}
