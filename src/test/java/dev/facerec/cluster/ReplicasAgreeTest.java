package dev.facerec.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cluster status's verdict on the index replicas, from the members' statuses. */
class ReplicasAgreeTest {

  private static JsonObject indexMember(String name, long seq, String checksum) {
    return new JsonObject().put("name", name).put("roles", new JsonArray().add("api").add("index"))
        .put("index", new JsonObject().put("appliedSeq", seq)
            .put("shards", new JsonArray().add(new JsonObject().put("shard", "default#0").put("checksum", checksum))));
  }

  @Test
  @DisplayName("copies at the same position with the same checksum agree; another checksum or position does not")
  void agreementOfAnsweringReplicas() {
    assertTrue(AdminVerticle.replicasAgree(new JsonArray().add(indexMember("n1", 7, "ab")).add(indexMember("n2", 7, "ab"))));
    assertFalse(AdminVerticle.replicasAgree(new JsonArray().add(indexMember("n1", 7, "ab")).add(indexMember("n2", 7, "cd"))));
    assertFalse(AdminVerticle.replicasAgree(new JsonArray().add(indexMember("n1", 7, "ab")).add(indexMember("n2", 8, "ab"))));
  }

  @Test
  @DisplayName("an index member that did not answer, or whose index did not, is unheard; an API-only member never is")
  void unheardIndexMembersAreNamed() {
    JsonObject silent = new JsonObject().put("name", "n3").put("roles", new JsonArray().add("index")).put("ready", false)
        .put("error", "Timed out after waiting 5000(ms) for a reply");
    JsonObject indexDown = new JsonObject().put("name", "n4").put("roles", new JsonArray().add("index"))
        .put("index", new JsonObject().put("error", "no handlers"));
    JsonObject apiOnly = new JsonObject().put("name", "n5").put("roles", new JsonArray().add("api"));
    JsonArray members = new JsonArray().add(indexMember("n1", 7, "ab")).add(silent).add(indexDown).add(apiOnly);
    assertEquals(new JsonArray().add("n3").add("n4"), AdminVerticle.unheardIndexMembers(members));
    assertTrue(AdminVerticle.replicasAgree(members), "the copies that answered agree among themselves");
    assertEquals(new JsonArray(), AdminVerticle.unheardIndexMembers(new JsonArray().add(indexMember("n1", 7, "ab")).add(apiOnly)));
  }
}
