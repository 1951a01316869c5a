package dev.facerec.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The running build's version, written into {@code facerec/build.properties} by Maven from {@code ${revision}}
 * (the release workflow sets it from the tag: v1.2.3 builds 1.2.3). {@code --version}, the health details and the
 * {@code facerec_build_info} metric all report it.
 */
public final class BuildInfo {
  private static final String VERSION = load();

  private BuildInfo() {}

  /** The version, or {@code unknown} when the classes run without their resources (an IDE without a Maven build). */
  public static String version() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("/facerec/build.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
