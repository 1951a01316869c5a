package dev.facerec.recognition;

/**
 * What a stranger meets in a collection: {@code subjects} subjects with at least one face, {@code multiFace} of them
 * with two or more (scored by their centroid, whose impostor tail is heavier than a single face's).
 */
public record GallerySize(long subjects, long multiFace) {
  public GallerySize {
    if (subjects < 0 || multiFace < 0 || multiFace > subjects) {
      throw new IllegalArgumentException("gallery of " + subjects + " subjects, " + multiFace + " with several faces");
    }
  }

  /** {@code n} subjects with one face each. */
  public static GallerySize of(long n) {
    return new GallerySize(Math.max(0, n), 0);
  }
}
