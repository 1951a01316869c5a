package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.Service;
import dev.facerec.config.BuildInfo;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.ApiKeys;
import dev.facerec.testing.Certificates;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import dev.facerec.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation without a restart: the node serves HTTPS from TLS_CERT_FILE and TLS_KEY_FILE, the files are
 * replaced, and new connections get the new certificate (read from the peer certificate of an SSLSocket); a
 * half-replaced pair (new certificate, old key) is refused and the current certificate kept.
 */
class TlsReloadIT {

  static String cn(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }

  @Test
  @DisplayName("replaced TLS files are served to new connections; a certificate without its key is not, the old one stays")
  void rotatedCertificateIsServedWithoutRestart(@TempDir Path dir) throws Exception {
    Path first = Certificates.selfSigned(dir, "first", "first.test");
    Path second = Certificates.selfSigned(dir, "second", "second.test");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(first, cert);
    Files.copy(Certificates.keyOf(first), key);

    String schema = TestNode.schema("tlsreload");
    String adminKey = ApiKeys.generate();
    Path models = TestData.modelsDir("faceplugin");
    Map<String, String> env = TestNode.env("faceplugin", models, dir.resolve("data"), schema, adminKey);
    env.remove("ALLOW_PLAIN_HTTP");
    env.put("TLS_CERT_FILE", cert.toString());
    env.put("TLS_KEY_FILE", key.toString());
    env.put("TLS_RELOAD_CHECK_S", "1");
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    try (Service service = Service.start(ConfigLoader.load(env))) {
      int port = service.port();
      assertEquals("CN=first.test", cn(Certificates.served(port)));

      // Half a rotation: the new certificate beside the old key. Checked, refused, and the first certificate stays.
      Files.copy(second, cert, StandardCopyOption.REPLACE_EXISTING);
      Thread.sleep(3_000);
      assertEquals("CN=first.test", cn(Certificates.served(port)), "a certificate without its key is not served");

      // The key follows: the pair is served to new connections within a few checks.
      Files.copy(Certificates.keyOf(second), key, StandardCopyOption.REPLACE_EXISTING);
      String served = null;
      for (long until = System.currentTimeMillis() + 15_000; System.currentTimeMillis() < until; Thread.sleep(250)) {
        served = cn(Certificates.served(port));
        if (served.equals("CN=second.test")) {
          break;
        }
      }
      assertEquals("CN=second.test", served, "the rotated certificate is served without a restart");

      // Clients that trust only the new certificate get answers; the health details report the build's version.
      HttpClient https = HttpClient.newBuilder().sslContext(TlsFirstStartIT.trusting(second)).build();
      Http api = new Http(https, "https://127.0.0.1:" + port, Map.of("X-API-Key", adminKey));
      Http.Res details = api.get("/api/v1/health/details");
      assertEquals(200, details.status(), details.toString());
      JsonObject build = details.json().getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(c -> "build".equals(c.getString("id"))).findFirst().orElseThrow(() -> new AssertionError(details.toString()));
      assertEquals(BuildInfo.version(), build.getJsonObject("data").getString("version"), details.toString());
      assertTrue(build.getJsonObject("data").getString("node") != null, details.toString());
    } finally {
      TestNode.dropSchema(schema);
    }
  }
}
