package dev.facerec.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Test certificates made by openssl at test time (never committed), and what a server presents. */
public final class Certificates {
  private Certificates() {}

  /** A self-signed EC certificate for 127.0.0.1 and localhost with subject CN={@code cn}: DIR/NAME.pem and DIR/NAME-key.pem (0600). */
  public static Path selfSigned(Path dir, String name, String cn) throws IOException, InterruptedException {
    Path key = dir.resolve(name + "-key.pem");
    Path cert = dir.resolve(name + ".pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-nodes", "-subj", "/CN=" + cn,
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl failed (it is needed for this test): " + out);
    }
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return cert;
  }

  /** The key file beside a certificate made by {@link #selfSigned}. */
  public static Path keyOf(Path cert) {
    String name = cert.getFileName().toString();
    return cert.resolveSibling(name.substring(0, name.length() - ".pem".length()) + "-key.pem");
  }

  /** The leaf certificate a TLS server on 127.0.0.1:{@code port} presents to a new connection (trusting any). */
  public static X509Certificate served(int port) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
