package dev.facerec.app;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The container's HEALTHCHECK: asks this node's readiness route on 127.0.0.1 and exits 0 on 200, 1 otherwise
 * (one line on stderr saying why). HTTPS when TLS_CERT_FILE is set, trusting that certificate (the node's own,
 * reached by address, so the host name is not checked). A plain main class, so that it starts in a small heap
 * without the service's start-up: {@code java -cp facerec-service.jar dev.facerec.app.HealthCheck [URL]}.
 */
public final class HealthCheck {
  private HealthCheck() {}

  public static void main(String[] args) {
    System.exit(check(args.length > 0 ? args[0] : null, System.getenv("API_PORT"), System.getenv("TLS_CERT_FILE")));
  }

  public static int check(String url, String apiPort, String certFile) {
    boolean tls = certFile != null && !certFile.isBlank();
    String target = url != null ? url
        : (tls ? "https" : "http") + "://127.0.0.1:" + (apiPort == null || apiPort.isBlank() ? "8000" : apiPort.trim()) + "/api/v1/health/ready";
    try {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
      if (tls) {
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        b.sslContext(trusting(Path.of(certFile.trim())));
      }
      HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(4)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return 0;
      }
      System.err.println("not ready: " + target + " answered " + r.statusCode() + " " + r.body());
      return 1;
    } catch (Exception e) {
      System.err.println("not ready: " + target + ": " + e);
      return 1;
    }
  }

  private static SSLContext trusting(Path pem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("node-" + i++, cert);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
