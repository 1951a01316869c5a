package dev.facerec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.app.HealthCheck;
import dev.facerec.app.Service;
import dev.facerec.config.ConfigLoader;
import dev.facerec.security.AdminKeyBootstrap;
import dev.facerec.testing.Http;
import dev.facerec.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * HTTPS with a test certificate made by openssl at test time (never committed), and the first start with
 * an empty key store and no ADMIN_API_KEY: the key is written once to DATA_DIR/admin-api-key (0600).
 */
class TlsFirstStartIT {

  @Test
  @DisplayName("without TLS files and without ALLOW_PLAIN_HTTP=true the service refuses to start")
  void refusesPlainHttpUnlessAllowed() {
    Map<String, String> env = new HashMap<>();
    env.put("API_PORT", "0");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Service.start(ConfigLoader.load(env)));
    assertTrue(e.getMessage().contains("TLS_CERT_FILE") && e.getMessage().contains("ALLOW_PLAIN_HTTP=true"), e.getMessage());
  }

  @Test
  @DisplayName("first start over HTTPS: the admin key file is created once with mode 0600; HTTPS works, plain HTTP to the port fails")
  void firstStartWithTls() throws Exception {
    Path dir = Files.createTempDirectory("tlsit");
    Path cert = dir.resolve("test-only-cert.pem");
    Path key = dir.resolve("test-only-key.pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-nodes", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
    String opensslOut = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl: " + opensslOut);

    String schema = "tlsit_" + Long.toHexString(System.nanoTime());
    Path data = dir.resolve("data");
    Map<String, String> env = new HashMap<>();
    env.put("API_HOST", "127.0.0.1");
    env.put("API_PORT", "0");
    env.put("TLS_CERT_FILE", cert.toString());
    env.put("TLS_KEY_FILE", key.toString());
    env.put("DATABASE_URL", dev.facerec.testing.TestDatabase.url(schema));
    env.put("MODEL_PROFILE", "faceplugin");
    env.put("MODELS_DIR", TestData.modelsDir("faceplugin").toString());
    env.put("DATA_DIR", data.toString());
    env.put("INFERENCE_WORKERS", "1");
    env.put("INDEX_SNAPSHOT_INTERVAL_S", "0");
    Path keyFile = data.resolve(AdminKeyBootstrap.FILE_NAME);
    try {
      String adminKey;
      try (Service service = Service.start(ConfigLoader.load(env))) {
        assertTrue(Files.isRegularFile(keyFile), "the first admin key is written to " + keyFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        adminKey = Files.readString(keyFile).trim();
        assertTrue(adminKey.matches("fr_[A-Za-z0-9_-]{43}"), "documented key format");

        HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).connectTimeout(Duration.ofSeconds(5)).build();
        Http api = new Http(https, "https://127.0.0.1:" + service.port(), Map.of("X-API-Key", adminKey));
        Http.Res list = api.get("/api/v1/admin/keys");
        assertEquals(200, list.status(), list.toString());
        assertEquals(1, list.json().getJsonArray("items").size());
        assertEquals("max-age=31536000; includeSubDomains", list.header("Strict-Transport-Security"));
        assertEquals(401, api.anonymous().get("/api/v1/subjects").status());
        assertEquals(200, api.anonymous().get("/api/v1/health").status());

        // Plain HTTP to the TLS port: the server treats the bytes as a broken TLS handshake. What comes back is either
        // nothing (the connection is closed) or a TLS alert record (content type 21), never an HTTP answer.
        byte[] answer;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", service.port())) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          answer = socket.getInputStream().readAllBytes();
        }
        System.out.printf("plain HTTP to the TLS port: %s%n", answer.length == 0 ? "closed without an answer"
            : answer.length + " bytes, first byte " + answer[0]);
        assertTrue(answer.length == 0 || answer[0] == 21, "plain HTTP got an answer that is not a TLS alert: "
            + new String(answer, StandardCharsets.ISO_8859_1));
        // The container HEALTHCHECK: HTTPS to the readiness route, trusting the node's own certificate
        assertEquals(0, HealthCheck.check(null, String.valueOf(service.port()), cert.toString()), "ready over HTTPS");
        assertEquals(1, HealthCheck.check(null, String.valueOf(service.port()), null), "plain HTTP to the TLS port is not ready");
      }
      // A restart neither rewrites the file nor adds a key.
      try (Service again = Service.start(ConfigLoader.load(env))) {
        assertEquals(adminKey, Files.readString(keyFile).trim());
        HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).build();
        Http api = new Http(https, "https://127.0.0.1:" + again.port(), Map.of("X-API-Key", adminKey));
        assertEquals(1, api.get("/api/v1/admin/keys").json().getJsonArray("items").size());
      }
    } finally {
      try (Connection c = dev.facerec.testing.TestDatabase.connect()) {
        c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  static SSLContext trusting(Path certPem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(certPem)) {
      ks.setCertificateEntry("test", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
