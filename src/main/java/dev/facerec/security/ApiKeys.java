package dev.facerec.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API key values: {@code fr_} + base64url of 32 random bytes (256 bits). Only their SHA-256 is stored: the
 * keys are uniformly random and long, so a fast hash cannot be brute-forced and a slow password hash would
 * only cost time on every request. The id is the key's first 8 characters after {@code fr_}: public (48
 * of the 256 bits), used to list and revoke keys and in logs.
 */
public final class ApiKeys {
  public static final String PREFIX = "fr_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  public static String generate() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public id: 8 characters after {@code fr_}, or for an operator-chosen key the first 8 hex digits of its hash. */
  public static String idOf(String key) {
    if (key.startsWith(PREFIX) && key.length() >= PREFIX.length() + 32) {
      return key.substring(PREFIX.length(), PREFIX.length() + 8);
    }
    return "op" + hash(key).substring(0, 8);
  }

  /** Whether a value can be an API key at all (cheap check before any lookup). */
  public static boolean plausible(String key) {
    return key != null && key.length() >= 32 && key.length() <= 256 && key.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }
}
