package dev.facerec.pipeline;

/** Which of the detected faces of an image to embed. */
public enum FaceSelection {
  /** Every face (up to maxFaces), by score. */
  ALL,
  /** The face with the largest box. */
  LARGEST,
  /** The only face; MULTIPLE_FACES when there are several. */
  SINGLE,
  /** The face whose box centre is nearest the image centre (LFW-style portraits with bystanders). */
  CENTER
}
