package dev.facerec.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import dev.facerec.config.AppConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;

/**
 * The Hazelcast configuration of a node: the XML file ({@code CLUSTER_CONFIG}, else the copy in the jar) for
 * timings and maps, then this node's addresses and the member list from the environment, so one file serves
 * every node.
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  public static Config hazelcast(AppConfig.Cluster c, boolean liteMember) {
    Config cfg = load(c);
    cfg.setLiteMember(liteMember);
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    String bind = resolve(c.host());
    cfg.setProperty("hazelcast.local.localAddress", bind);
    NetworkConfig net = cfg.getNetworkConfig();
    // Clear of the member (57xx) and event-bus (58xx) ranges, since the CLI often runs on a node's own host.
    net.setPort(liteMember ? c.port() + 500 : c.port()).setPortAutoIncrement(liteMember).setPortCount(100);
    if (!liteMember) {
      net.setPublicAddress(resolve(c.publicHost()) + ":" + c.port());
    }
    if (!c.outboundPorts().isEmpty()) {
      for (String range : c.outboundPorts().split(",")) {
        net.addOutboundPortDefinition(range);
      }
    }
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).clear();
    if (c.members().isEmpty()) {
      join.getTcpIpConfig().addMember(bind + ":" + c.port());
    } else {
      c.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    }
    return cfg;
  }

  private static Config load(AppConfig.Cluster c) {
    try (InputStream in = c.configFile() != null ? Files.newInputStream(c.configFile())
        : ClusterSetup.class.getResourceAsStream("/cluster/cluster.xml")) {
      if (in == null) {
        throw new IllegalStateException("cluster/cluster.xml is missing from the jar: set CLUSTER_CONFIG");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read CLUSTER_CONFIG " + c.configFile() + ": " + e.getMessage(), e);
    }
  }

  /** Hazelcast wants addresses: a host name is resolved once, at start. */
  static String resolve(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (IOException e) {
      throw new IllegalStateException("cannot resolve cluster host '" + host + "': " + e.getMessage(), e);
    }
  }
}
