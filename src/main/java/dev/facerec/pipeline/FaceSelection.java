package dev.facerec.pipeline;

/** Which of the detected faces of an image to embed. */
public enum FaceSelection {
  /** Every face (up to maxFaces), by score. */
  ALL,
  /** The largest face, unless it is cut by the image border and a whole face of comparable size exists ({@link PrimaryFace}). */
  LARGEST,
  /**
   * The subject's face for an enrollment: the only face, or the clearly dominant one with small bystanders
   * ({@link SubjectFace}); MULTIPLE_FACES when that is ambiguous.
   */
  SINGLE,
  /** The face whose box centre is nearest the image centre (LFW-style portraits with bystanders). */
  CENTER
}
