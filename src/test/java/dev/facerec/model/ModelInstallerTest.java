package dev.facerec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("ModelInstaller installs verified model files from a directory, a tarball or a URL")
class ModelInstallerTest {
  private static final ModelManifest MANIFEST = ModelManifest.load(Path.of("models"));

  @TempDir Path tmp;
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
  private HttpServer server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** A directory holding the faceplugin files: models/, where `models fetch` installed them for the tests. */
  private static Path sourceModels() throws java.io.IOException {
    dev.facerec.testing.TestData.modelsDir("faceplugin");
    return dev.facerec.testing.TestData.installedModels();
  }

  @Test
  @DisplayName("fetching faceplugin from a directory installs files that verify, and a rerun keeps them")
  void installsProfileFromDirectoryAndSkipsVerifiedFiles() throws Exception {
    Path modelsDir = tmp.resolve("models");
    List<Path> installed = new ModelInstaller(log).from(sourceModels())
        .install(MANIFEST, "faceplugin", modelsDir);

    assertEquals(java.util.Set.of(modelsDir.resolve("face_detection_yunet_2023mar.onnx"), modelsDir.resolve("fr_landmark.onnx"),
        modelsDir.resolve("fr_feature.onnx")), java.util.Set.copyOf(installed));
    assertEquals(3, installed.size());
    assertDoesNotThrow(() -> ModelVerifier.verifyProfile(MANIFEST, "faceplugin", modelsDir));
    assertEquals(List.of(), leftovers(modelsDir, ".tmp"));

    new ModelInstaller(log).from(sourceModels()).install(MANIFEST, "faceplugin", modelsDir);
    assertTrue(log().contains("face_detection_yunet_2023mar.onnx: already installed"), log());
    assertTrue(log().contains("fr_feature.onnx: already installed"), log());
  }

  @Test
  @DisplayName("YuNet installs from the copy bundled in the jar, without a directory, npm or network, and verifies")
  void installsYunetFromTheBundle() throws Exception {
    Path modelsDir = tmp.resolve("models");
    ModelSpec yunet = MANIFEST.model("yunet-2023mar");
    List<Path> installed = new ModelInstaller(log).source(ModelInstaller.Source.BUNDLED).install(List.of(yunet), modelsDir);
    assertEquals(List.of(modelsDir.resolve(yunet.file())), installed);
    assertEquals(yunet.sha256(), ModelVerifier.sha256(installed.get(0)));
    assertTrue(log().contains("installed from the copy bundled in this jar"), log());
    // A model without a bundled copy is refused by that source, with the reason.
    ModelException e = assertThrows(ModelException.class, () -> new ModelInstaller(log).source(ModelInstaller.Source.BUNDLED)
        .install(List.of(MANIFEST.model("faceplugin-feature-512")), modelsDir));
    assertTrue(e.getMessage().contains("has no bundled source"), e.getMessage());
  }

  @Test
  @DisplayName("files are matched by checksum, not name: a corrupted copy is never picked, a renamed good copy is")
  void ignoresCorruptedCopyAndFindsRenamedOne() throws Exception {
    ModelSpec yunet = MANIFEST.model("faceplugin-landmark68");
    byte[] good = Files.readAllBytes(sourceModels().resolve(yunet.file()));
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 0x55; // same size, so only the checksum can tell
    Path from = Files.createDirectories(tmp.resolve("from"));
    Files.write(from.resolve(yunet.file()), bad);
    Path modelsDir = tmp.resolve("models");

    ModelInstaller installer = new ModelInstaller(log).from(from).source(ModelInstaller.Source.DIR);
    ModelException e = assertThrows(ModelException.class, () -> installer.install(List.of(yunet), modelsDir));
    assertTrue(e.getMessage().contains("no file with sha256 f10b0ba1d2a8... under " + from), e.getMessage());
    assertTrue(e.getMessage().contains("1 file(s) of 1163742 bytes checked"), e.getMessage());
    assertFalse(Files.exists(modelsDir.resolve(yunet.file())));

    Path renamed = Files.createDirectories(from.resolve("a/b")).resolve("detector-copy.bin");
    Files.write(renamed, good);
    installer.install(List.of(yunet), modelsDir);
    assertArrayEquals(good, Files.readAllBytes(modelsDir.resolve(yunet.file())));
    assertTrue(log().contains("installed from " + renamed), log());
  }

  @Test
  @DisplayName("the tar reader extracts an entry (also one whose name lies in the ustar prefix) from a .tgz")
  void tarReaderExtractsEntriesFromTgz() throws Exception {
    byte[] model = randomBytes(70_001, 1);
    byte[] deep = randomBytes(513, 2);
    String longDir = "package/" + "very-long-directory-name/".repeat(5) + "model";
    Path tgz = tmp.resolve("pkg.tgz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
      writeTarEntry(out, "", "package/README.md", "# readme\n".repeat(80).getBytes(StandardCharsets.UTF_8), '0');
      writeTarEntry(out, "", "package/model/", new byte[0], '5');
      writeTarEntry(out, "", "package/model/fr_detect.onnx", model, '0');
      writeTarEntry(out, longDir, "deep.onnx", deep, '0');
      out.write(new byte[1024]); // end of archive
    }

    assertArrayEquals(model, extract(tgz, "package/model/fr_detect.onnx"));
    assertArrayEquals(deep, extract(tgz, longDir + "/deep.onnx"));
    assertFalse(TarGz.copyEntry(tgz, "package/model/absent.onnx", new ByteArrayOutputStream()));
    assertFalse(TarGz.copyEntry(tgz, "package/model", new ByteArrayOutputStream()), "a directory is not a file");
  }

  @Test
  @DisplayName("a download from a local HTTP server with the right checksum is installed, following a redirect")
  void installsDownloadWithRightChecksum() throws Exception {
    byte[] bytes = randomBytes(300_000, 3);
    String base = serve(bytes);
    ModelSpec spec = spec("good.onnx", bytes, List.of(base + "/missing.onnx", base + "/redirect"));
    Path modelsDir = tmp.resolve("models");

    new ModelInstaller(log).source(ModelInstaller.Source.URL).install(List.of(spec), modelsDir);

    assertArrayEquals(bytes, Files.readAllBytes(modelsDir.resolve("good.onnx")));
    assertTrue(log().contains("installed from " + base + "/redirect"), log());
    assertEquals(List.of(), leftovers(modelsDir, ".tmp"));
  }

  @Test
  @DisplayName("a download with the wrong bytes is refused and leaves nothing in the models directory")
  void refusesDownloadWithWrongChecksum() throws Exception {
    byte[] bytes = randomBytes(300_000, 4);
    byte[] expected = bytes.clone();
    expected[0] ^= 1;
    String base = serve(bytes);
    ModelSpec spec = spec("bad.onnx", expected, List.of(base + "/model.onnx"));
    Path modelsDir = tmp.resolve("models");

    ModelException e = assertThrows(ModelException.class,
        () -> new ModelInstaller(log).install(List.of(spec), modelsDir));

    assertTrue(e.getMessage().contains("refused bad.onnx: sha256 mismatch, expected "
        + HexFormat.of().formatHex(sha256(expected)).substring(0, 12)), e.getMessage());
    assertEquals(List.of(), leftovers(modelsDir, ""), "models dir must stay empty");
  }

  @Test
  @DisplayName("plain http is only used towards this machine")
  void refusesPlainHttpToOtherHosts() {
    assertThrows(ModelException.class, () -> ModelInstaller.checkScheme(java.net.URI.create("http://192.0.2.1/x.onnx")));
    assertThrows(ModelException.class, () -> ModelInstaller.checkScheme(java.net.URI.create("file:///etc/passwd")));
    assertDoesNotThrow(() -> ModelInstaller.checkScheme(java.net.URI.create("http://127.0.0.1:1/x.onnx")));
    assertDoesNotThrow(() -> ModelInstaller.checkScheme(java.net.URI.create("https://example.org/x.onnx")));
  }

  // ---- helpers --------------------------------------------------------------------------------------

  /** Serves bytes at /model.onnx, a 302 to it at /redirect, and 404 elsewhere; returns http://127.0.0.1:port. */
  private String serve(byte[] bytes) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/model.onnx")) {
          exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
        } else if (path.equals("/redirect")) {
          exchange.getResponseHeaders().add("Location", "/model.onnx");
          exchange.sendResponseHeaders(302, -1);
        } else {
          exchange.sendResponseHeaders(404, -1);
        }
      }
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static ModelSpec spec(String file, byte[] content, List<String> urls) {
    return new ModelSpec("test-" + file, ModelSpec.Kind.RECOGNIZER, "arcface", file,
        HexFormat.of().formatHex(sha256(content)), content.length, "test", "test", urls, null, null,
        new ModelSpec.InputSpec(112, 112, "RGB", new float[] {0, 0, 0}, new float[] {1, 1, 1}), 128, 0, 0);
  }

  private static byte[] sha256(byte[] b) {
    return ModelVerifier.newDigest().digest(b);
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] extract(Path tgz, String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(TarGz.copyEntry(tgz, name, out), "entry not found: " + name);
    return out.toByteArray();
  }

  /** One ustar header plus data padded to 512 bytes, as tar and npm write them. */
  private static void writeTarEntry(OutputStream out, String prefix, String name, byte[] data, char type) throws IOException {
    byte[] h = new byte[512];
    put(h, 0, name, 100);
    put(h, 100, "0000644", 8);
    put(h, 108, "0000000", 8);
    put(h, 116, "0000000", 8);
    put(h, 124, String.format("%011o", data.length), 12);
    put(h, 136, String.format("%011o", 499162500L), 12);
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    put(h, 257, "ustar", 6);
    put(h, 263, "00", 2);
    put(h, 345, prefix, 155);
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum), 7);
    out.write(h);
    out.write(data);
    out.write(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    assertTrue(b.length <= max, "tar field too long: " + s);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static List<String> leftovers(Path dir, String suffix) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).toList();
    }
  }

  private String log() {
    return logBytes.toString(StandardCharsets.UTF_8);
  }
}
