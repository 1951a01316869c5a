package dev.facerec.image;

/** Loads the OpenCV native library (bundled by org.openpnp:opencv) once per JVM. */
public final class OpenCv {
  private static volatile boolean loaded;

  private OpenCv() {}

  /** Loads the native library on first call; later calls return at once. */
  public static void load() {
    if (loaded) {
      return;
    }
    synchronized (OpenCv.class) {
      if (!loaded) {
        nu.pattern.OpenCV.loadLocally();
        loaded = true;
      }
    }
  }
}
