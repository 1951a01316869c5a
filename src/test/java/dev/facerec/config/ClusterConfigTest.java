package dev.facerec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import dev.facerec.cluster.ClusterSetup;
import dev.facerec.cluster.NodeRole;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {
  static final String DB = "postgres://u:p@db:5432/faces";

  @Test
  @DisplayName("not clustered by default: one node with all three roles")
  void aloneByDefault() {
    AppConfig.Cluster c = ConfigLoader.load(Map.of()).cluster();
    assertFalse(c.enabled());
    assertEquals(EnumSet.allOf(NodeRole.class), c.roles());
    assertEquals(5701, c.port());
    assertEquals(5801, c.busPort());
  }

  @Test
  @DisplayName("clustered mode refuses the embedded database with a message that says why")
  void clusteredNeedsExternalDatabase() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CLUSTER_ENABLED", "true")));
    assertTrue(e.getMessage().contains("DATABASE_URL") && e.getMessage().contains("gallery of its own"), e.getMessage());
  }

  @Test
  @DisplayName("roles, members, addresses and name come from the environment; a bad role or member is named")
  void readsClusterSettings() {
    AppConfig.Cluster c = ConfigLoader.load(Map.of("CLUSTER_ENABLED", "true", "DATABASE_URL", DB, "NODE_ROLES", "api, index",
        "CLUSTER_MEMBERS", "node1:5701, 10.0.0.2:5702,node3", "CLUSTER_HOST", "127.0.0.1", "CLUSTER_PUBLIC_HOST", "203.0.113.9",
        "NODE_NAME", "edge-1")).cluster();
    assertEquals(EnumSet.of(NodeRole.API, NodeRole.INDEX), c.roles());
    assertEquals(List.of("node1:5701", "10.0.0.2:5702", "node3"), c.members());
    assertEquals("203.0.113.9", c.publicHost());
    assertEquals("edge-1", c.nodeName());
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CLUSTER_ENABLED", "true", "DATABASE_URL", DB,
        "NODE_ROLES", "api,gpu"))).getMessage().contains("NODE_ROLES='gpu'"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("CLUSTER_MEMBERS", "node1:5701;node2"))).getMessage()
        .contains("CLUSTER_MEMBERS"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("NODE_ROLES", "api"))).getMessage()
        .contains("all three roles when CLUSTER_ENABLED is false"));
  }

  @Test
  @DisplayName("the Hazelcast configuration: the shipped file's timings, TCP/IP join from CLUSTER_MEMBERS, no multicast, no phone-home")
  void hazelcastConfig() {
    AppConfig.Cluster c = ConfigLoader.load(Map.of("CLUSTER_ENABLED", "true", "DATABASE_URL", DB, "CLUSTER_MEMBERS",
        "127.0.0.1:5701,127.0.0.1:5702", "CLUSTER_PORT", "5702", "CLUSTER_PUBLIC_HOST", "127.0.0.2")).cluster();
    Config hz = ClusterSetup.hazelcast(c, false);
    assertEquals("facerec", hz.getClusterName());
    assertEquals("5", hz.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("false", hz.getProperty("hazelcast.phone.home.enabled"));
    assertFalse(hz.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
    assertTrue(hz.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertEquals(5702, hz.getNetworkConfig().getPort());
    assertFalse(hz.getNetworkConfig().isPortAutoIncrement());
    assertEquals("127.0.0.2:5702", hz.getNetworkConfig().getPublicAddress());
    assertEquals(1, hz.getMultiMapConfig("__vertx.subs").getBackupCount());
    Config lite = ClusterSetup.hazelcast(c, true);
    assertTrue(lite.isLiteMember());
    assertTrue(lite.getNetworkConfig().isPortAutoIncrement());
  }
}
