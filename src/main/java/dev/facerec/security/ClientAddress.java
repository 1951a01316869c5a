package dev.facerec.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's address behind trusted proxies ({@code TRUSTED_PROXIES}: IP addresses and CIDR blocks, IPv4
 * and IPv6). Only when the TCP peer is a trusted proxy is {@code X-Forwarded-For} read: from the right,
 * skipping trusted proxies, the first untrusted address is the client. A malformed entry ends the walk at
 * the last trusted hop, since everything left of it may have been written by the client. With no trusted
 * proxies (the default) the answer is always the peer. Plain class, immutable, thread-safe.
 */
public final class ClientAddress {
  private final List<Block> trusted;

  private ClientAddress(List<Block> trusted) {
    this.trusted = trusted;
  }

  /** An address ({@code 10.0.0.7}, {@code 2001:db8::7}) or a block ({@code 172.28.0.0/16}, {@code fd00::/8}). */
  private record Block(byte[] network, int prefix) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      return rest == 0 || ((b[full] ^ network[full]) & (0xff << (8 - rest)) & 0xff) == 0;
    }

    boolean hostBitsClear() {
      for (int bit = prefix; bit < network.length * 8; bit++) {
        if ((network[bit / 8] & (0x80 >> (bit % 8))) != 0) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Parses the trusted proxies. Throws {@link IllegalArgumentException} whose message is the first bad entry.
   */
  public static ClientAddress trusting(List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String e : entries) {
      blocks.add(block(e.trim()));
    }
    return new ClientAddress(List.copyOf(blocks));
  }

  /** Checks one {@code TRUSTED_PROXIES} entry: {@link IllegalArgumentException} with the entry as its message. */
  public static void validate(String entry) {
    block(entry.trim());
  }

  private static Block block(String entry) {
    int slash = entry.indexOf('/');
    InetAddress a = literal(slash < 0 ? entry : entry.substring(0, slash));
    if (a == null) {
      throw new IllegalArgumentException(entry);
    }
    byte[] bytes = a.getAddress();
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = entry.substring(slash + 1);
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
        throw new IllegalArgumentException(entry);
      }
      prefix = Integer.parseInt(p);
    }
    Block b = new Block(bytes, prefix);
    // Host bits set (10.0.0.1/8) is most likely a typo for another block: refuse rather than guess.
    if (!b.hostBitsClear()) {
      throw new IllegalArgumentException(entry);
    }
    return b;
  }

  /**
   * The client address for a request from {@code peer} carrying these {@code X-Forwarded-For} header values
   * (several headers count as one comma-separated list, in order).
   */
  public String resolve(String peer, List<String> forwardedFor) {
    if (trusted.isEmpty() || peer == null) {
      return peer;
    }
    InetAddress p = literal(peer);
    if (p == null || !isTrusted(p)) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",", -1)) {
        hops.add(hop.trim());
      }
    }
    String last = p.getHostAddress();
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress a = literal(withoutPort(hops.get(i)));
      if (a == null) {
        return last;
      }
      last = a.getHostAddress();
      if (!isTrusted(a)) {
        return last;
      }
    }
    return last;
  }

  private boolean isTrusted(InetAddress a) {
    for (Block b : trusted) {
      if (b.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** {@code 1.2.3.4:80} and {@code [2001:db8::1]:443} (some proxies add the port) to the bare address. */
  private static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close > 0 && (close == hop.length() - 1 || port(hop.substring(close + 1))) ? hop.substring(1, close) : hop;
    }
    int colon = hop.indexOf(':');
    return colon > 0 && colon == hop.lastIndexOf(':') && port(hop.substring(colon)) ? hop.substring(0, colon) : hop;
  }

  private static boolean port(String colonPort) {
    return colonPort.matches(":\\d{1,5}") && Integer.parseInt(colonPort.substring(1)) <= 65535;
  }

  /**
   * An IP literal, or null. Never resolves a name: IPv4 must be four decimal parts (no leading zeros, which some
   * parsers read as octal); IPv6 is handed to {@link InetAddress} only when it holds nothing but hex digits,
   * colons and dots and at least one colon, which the JDK parses without a lookup.
   */
  static InetAddress literal(String s) {
    if (s == null || s.isEmpty() || s.length() > 45) {
      return null;
    }
    try {
      if (s.matches("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)")) {
        return InetAddress.getByName(s);
      }
      if (s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+")) {
        return InetAddress.getByName(s);
      }
    } catch (UnknownHostException e) {
      return null;
    }
    return null;
  }
}
