package dev.facerec.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
  private static final ClientAddress PROXIES = ClientAddress.trusting(List.of("10.0.0.0/8", "192.168.1.1", "fd00::/8"));

  private static String resolve(ClientAddress c, String peer, String... forwardedFor) {
    return c.resolve(peer, List.of(forwardedFor));
  }

  @Test
  @DisplayName("with no trusted proxies (the default) the TCP peer is the client, whatever X-Forwarded-For says")
  void trustsNobodyByDefault() {
    ClientAddress none = ClientAddress.trusting(List.of());
    assertEquals("10.0.0.5", resolve(none, "10.0.0.5", "198.51.100.7"));
    assertEquals("10.0.0.5", resolve(none, "10.0.0.5"));
  }

  @Test
  @DisplayName("an untrusted peer cannot pick its address through X-Forwarded-For")
  void ignoresHeaderFromUntrustedPeer() {
    assertEquals("203.0.113.9", resolve(PROXIES, "203.0.113.9", "198.51.100.7"));
    assertEquals("203.0.113.9", resolve(PROXIES, "203.0.113.9", "10.0.0.1"), "not even a trusted proxy's address");
    assertEquals("fe80::1", resolve(PROXIES, "fe80::1", "198.51.100.7"));
  }

  @Test
  @DisplayName("behind one trusted proxy the client is the last X-Forwarded-For entry; a forged prefix is ignored")
  void takesRightmostEntryBehindOneProxy() {
    assertEquals("198.51.100.7", resolve(PROXIES, "10.0.0.2", "198.51.100.7"));
    assertEquals("198.51.100.7", resolve(PROXIES, "10.0.0.2", "6.6.6.6, 198.51.100.7"), "the client wrote 6.6.6.6 itself");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2"), "no header: the proxy itself");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", ""), "empty header: the proxy itself");
  }

  @Test
  @DisplayName("a chain of trusted proxies is skipped from the right, across several X-Forwarded-For headers")
  void skipsChainOfTrustedProxies() {
    assertEquals("198.51.100.7", resolve(PROXIES, "10.0.0.2", "6.6.6.6, 198.51.100.7, 192.168.1.1, 10.1.2.3"));
    assertEquals("198.51.100.7", resolve(PROXIES, "10.0.0.2", "6.6.6.6, 198.51.100.7", "192.168.1.1", "10.1.2.3"));
    assertEquals("192.168.1.2", resolve(PROXIES, "10.0.0.2", "198.51.100.7, 192.168.1.2, 10.1.2.3"),
        "192.168.1.2 is not trusted: it is the client, whatever it forwarded");
    assertEquals("192.168.1.1", resolve(PROXIES, "10.0.0.2", "192.168.1.1, 10.1.2.3"), "all trusted: the farthest hop");
  }

  @Test
  @DisplayName("a malformed entry or a host name ends the walk at the last trusted hop; no name is ever resolved")
  void stopsAtGarbage() {
    assertEquals("10.1.2.3", resolve(PROXIES, "10.0.0.2", "198.51.100.7, garbage, 10.1.2.3"));
    assertEquals("10.1.2.3", resolve(PROXIES, "10.0.0.2", "198.51.100.7,,10.1.2.3"), "empty entry");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "localhost"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "unknown"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "198.51.100.7 extra"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "256.1.1.1"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "010.0.0.1"), "leading zeros may mean octal: refused");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "1.2.3"), "short IPv4 forms are refused");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "dead"), "hex-looking names are not looked up");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "fe80::1%eth0"), "zone ids are refused");
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "2001:db8::g"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "x".repeat(10_000)));
    assertEquals("not-an-ip", resolve(PROXIES, "not-an-ip", "198.51.100.7"), "an odd peer is answered as is");
  }

  @Test
  @DisplayName("ports after an address are dropped (some proxies add them)")
  void dropsPorts() {
    assertEquals("198.51.100.7", resolve(PROXIES, "10.0.0.2", "198.51.100.7:5555"));
    assertEquals("2001:db8:0:0:0:0:0:7", resolve(PROXIES, "10.0.0.2", "[2001:db8::7]:443"));
    assertEquals("2001:db8:0:0:0:0:0:7", resolve(PROXIES, "10.0.0.2", "[2001:db8::7]"));
    assertEquals("10.0.0.2", resolve(PROXIES, "10.0.0.2", "198.51.100.7:99999"));
  }

  @Test
  @DisplayName("IPv4 blocks match on their prefix bits only, including prefixes that do not end on a byte")
  void matchesIpv4Blocks() {
    ClientAddress c = ClientAddress.trusting(List.of("172.28.0.0/16", "10.0.16.0/20"));
    assertEquals("198.51.100.7", resolve(c, "172.28.255.255", "198.51.100.7"));
    assertEquals("172.29.0.0", resolve(c, "172.29.0.0", "198.51.100.7"));
    assertEquals("198.51.100.7", resolve(c, "10.0.16.0", "198.51.100.7"));
    assertEquals("198.51.100.7", resolve(c, "10.0.31.255", "198.51.100.7"));
    assertEquals("10.0.32.0", resolve(c, "10.0.32.0", "198.51.100.7"));
    assertEquals("10.0.15.255", resolve(c, "10.0.15.255", "198.51.100.7"));
    assertEquals("198.51.100.7", resolve(ClientAddress.trusting(List.of("0.0.0.0/0")), "203.0.113.1", "198.51.100.7"));
  }

  @Test
  @DisplayName("IPv6 blocks match IPv6 peers; IPv4-mapped peers match IPv4 blocks; families never mix otherwise")
  void matchesIpv6Blocks() {
    assertEquals("2001:db8:0:0:0:0:0:7", resolve(PROXIES, "fd12:3456::1", "2001:db8::7"));
    ClientAddress c = ClientAddress.trusting(List.of("2001:db8:1::/49"));
    assertEquals("198.51.100.7", resolve(c, "2001:db8:1:7fff::1", "198.51.100.7"));
    assertEquals("2001:db8:1:8000::1", resolve(c, "2001:db8:1:8000::1", "198.51.100.7"));
    assertEquals("198.51.100.7", resolve(PROXIES, "::ffff:10.0.0.2", "198.51.100.7"));
    assertEquals("10.0.0.2", resolve(ClientAddress.trusting(List.of("::/0")), "10.0.0.2", "198.51.100.7"),
        "an IPv6 block never holds an IPv4 peer");
    assertEquals("::1", resolve(ClientAddress.trusting(List.of("0.0.0.0/0")), "::1", "198.51.100.7"));
  }

  @Test
  @DisplayName("a bad TRUSTED_PROXIES entry is refused and named")
  void refusesBadEntries() {
    for (String bad : List.of("10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "300.1.1.1", "example.com",
        "01.2.3.4", "fd00::/129", "fd00::1/8", "", "*")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientAddress.validate(bad), bad);
      assertEquals(bad, e.getMessage());
    }
    assertEquals("10.1.0.0/8", assertThrows(IllegalArgumentException.class,
        () -> ClientAddress.trusting(List.of("192.168.0.0/16", " 10.0.0.0/8 ", " 10.1.0.0/8 ", "x"))).getMessage(),
        "the first bad entry, trimmed");
  }
}
