package dev.facerec.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** A service node of the cluster: its Vert.x node id, its name and the roles it deployed. */
public record Member(String id, String name, Set<NodeRole> roles) {
  public boolean has(NodeRole role) {
    return roles.contains(role);
  }

  /** The event-bus node metadata a node announces (lite members, such as the CLI, announce no roles). */
  public JsonObject metadata() {
    JsonArray r = new JsonArray();
    roles.forEach(x -> r.add(x.wire()));
    return new JsonObject().put("name", name).put("roles", r);
  }

  /** The member a node's metadata describes, or null for a node that is not a service node. */
  public static Member of(String id, JsonObject metadata) {
    if (metadata == null || !(metadata.getValue("roles") instanceof JsonArray roles)) {
      return null;
    }
    return new Member(id, metadata.getString("name", id), NodeRole.parseAll(roles));
  }

  public JsonObject toJson() {
    return metadata().put("id", id);
  }
}
