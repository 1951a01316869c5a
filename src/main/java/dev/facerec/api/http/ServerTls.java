package dev.facerec.api.http;

import dev.facerec.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HexFormat;

/**
 * The server's TLS material as read from its PEM files (certificate chain, private key, optional client CA), checked
 * before it is served: the key signs what the certificate's public key verifies, and the certificate is valid now.
 * The fingerprint (SHA-256 of the three files) tells whether the files changed since they were last read.
 *
 * @param fingerprint SHA-256 over the files' bytes
 * @param subject the leaf certificate's subject, for logs
 * @param serial the leaf certificate's serial number (hex), for logs
 */
public record ServerTls(String fingerprint, Buffer cert, Buffer key, Buffer clientCa, String subject, String serial) {

  /** The fingerprint of the files as they are now; cheap enough to compute every few seconds (small files). */
  public static String fingerprint(AppConfig.Tls tls) throws java.io.IOException {
    return digest(files(tls));
  }

  /**
   * Reads and checks the files (blocking).
   *
   * @throws IllegalArgumentException with a one-line reason when the pair cannot be served
   */
  public static ServerTls read(Vertx vertx, AppConfig.Tls tls) throws java.io.IOException {
    byte[][] files = files(tls);
    byte[] cert = files[0];
    byte[] key = files[1];
    byte[] ca = files[2];
    String fingerprint = digest(files);
    PemKeyCertOptions pem = new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
    X509Certificate leaf = checkPair(vertx, pem);
    if (ca != null) {
      try {
        new PemTrustOptions().addCertValue(Buffer.buffer(ca)).getTrustManagerFactory(vertx);
      } catch (Exception e) {
        throw new IllegalArgumentException(tls.clientCaFile() + " holds no readable CA certificate: " + e.getMessage(), e);
      }
    }
    return new ServerTls(fingerprint, Buffer.buffer(cert), Buffer.buffer(key), ca == null ? null : Buffer.buffer(ca),
        leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16));
  }

  /** The server's SSL options with this material: {@code base}'s other settings kept. */
  public ServerSSLOptions apply(ServerSSLOptions base) {
    ServerSSLOptions o = base.copy().setKeyCertOptions(new PemKeyCertOptions().setCertValue(cert).setKeyValue(key));
    if (clientCa != null) {
      o.setTrustOptions(new PemTrustOptions().addCertValue(clientCa)).setClientAuth(ClientAuth.REQUIRED);
    }
    return o;
  }

  private static X509Certificate checkPair(Vertx vertx, PemKeyCertOptions pem) {
    KeyStore ks;
    try {
      ks = pem.loadKeyStore(vertx);
    } catch (Exception e) {
      throw new IllegalArgumentException("the certificate or key file cannot be read as PEM: " + e.getMessage(), e);
    }
    try {
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isKeyEntry(alias)) {
          continue;
        }
        Certificate[] chain = ks.getCertificateChain(alias);
        X509Certificate leaf = (X509Certificate) chain[0];
        leaf.checkValidity();
        PrivateKey privateKey = (PrivateKey) ks.getKey(alias, // the password Vert.x gives the entries of a PEM key store
            io.vertx.core.net.impl.KeyStoreHelper.DUMMY_PASSWORD.toCharArray());
        String algorithm = switch (privateKey.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
          default -> null;
        };
        if (algorithm != null) {
          byte[] probe = "facerec tls key check".getBytes(StandardCharsets.US_ASCII);
          Signature signer = Signature.getInstance(algorithm);
          signer.initSign(privateKey);
          signer.update(probe);
          byte[] signature = signer.sign();
          Signature verifier = Signature.getInstance(algorithm);
          verifier.initVerify(leaf.getPublicKey());
          verifier.update(probe);
          if (!verifier.verify(signature)) {
            throw new IllegalArgumentException("the private key does not belong to the certificate " + leaf.getSubjectX500Principal());
          }
        }
        return leaf;
      }
    } catch (java.security.cert.CertificateExpiredException | java.security.cert.CertificateNotYetValidException e) {
      throw new IllegalArgumentException("the certificate is not valid now: " + e.getMessage(), e);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("the private key does not belong to the certificate: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no private key with a certificate in the files");
  }

  /** The certificate, key and client CA files' bytes (null for an unset client CA). */
  private static byte[][] files(AppConfig.Tls tls) throws java.io.IOException {
    return new byte[][] {Files.readAllBytes(tls.certFile()), Files.readAllBytes(tls.keyFile()),
        tls.clientCaFile() == null ? null : Files.readAllBytes(tls.clientCaFile())};
  }

  private static String digest(byte[][] files) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] b : files) {
        if (b != null) {
          sha.update(b);
          sha.update((byte) 0);
        }
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
