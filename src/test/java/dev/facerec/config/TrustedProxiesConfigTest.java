package dev.facerec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TrustedProxiesConfigTest {
  @Test
  @DisplayName("TRUSTED_PROXIES is empty by default and reads IPs and CIDR blocks, comma-separated")
  void readsTrustedProxies() {
    assertEquals(List.of(), ConfigLoader.load(Map.of()).api().trustedProxies());
    assertEquals(List.of("172.28.0.0/16", "10.0.0.5", "fd00::/8"),
        ConfigLoader.load(Map.of("TRUSTED_PROXIES", " 172.28.0.0/16, 10.0.0.5,,fd00::/8 ")).api().trustedProxies());
  }

  @Test
  @DisplayName("a bad TRUSTED_PROXIES entry stops the start with a line naming that entry")
  void namesTheBadEntry() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")));
    assertEquals("invalid configuration: TRUSTED_PROXIES='proxy.internal', expected IP addresses or CIDR blocks without host bits"
        + " (10.0.0.5, 172.28.0.0/16, fd00::/8), comma-separated", e.getMessage());
    assertEquals("invalid configuration: TRUSTED_PROXIES='172.28.0.1/16', expected IP addresses or CIDR blocks without host bits"
        + " (10.0.0.5, 172.28.0.0/16, fd00::/8), comma-separated",
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("TRUSTED_PROXIES", "172.28.0.1/16"))).getMessage());
  }
}
