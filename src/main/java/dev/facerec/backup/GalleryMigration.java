package dev.facerec.backup;

import dev.facerec.model.EmbeddingCentre;
import dev.facerec.model.ProfileSpec;

/**
 * Which stored embeddings {@code migrate-gallery} can move into the configured profile's embedding space, and how.
 * Only one move exists: embeddings of the profile's own recognizer made without a centre, into the profile's centred
 * space. A stored embedding is the unit vector the recognizer gave (flip included), so centring it afterwards gives
 * exactly what the centred pipeline gives for the same face. Everything else needs the images again.
 */
public final class GalleryMigration {
  private GalleryMigration() {}

  /** What to do with the embeddings stored under {@code storedModel}. */
  public enum Action { NOTHING, CENTRE, REFUSE }

  public static Action action(String storedModel, ProfileSpec profile) {
    if (storedModel.equals(profile.embeddingModel())) {
      return Action.NOTHING;
    }
    return profile.centre() != null && storedModel.equals(profile.recognizer()) ? Action.CENTRE : Action.REFUSE;
  }

  /** Why {@code storedModel} cannot be moved, in words an operator can act on. */
  public static String refusal(String storedModel, ProfileSpec profile) {
    return "embeddings of '" + storedModel + "' cannot be moved to '" + profile.embeddingModel() + "' (profile " + profile.id()
        + "): only embeddings of the profile's recognizer made without a centre can be centred; start with the profile"
        + " they were made with, or re-enroll the images";
  }

  /** The centred embedding of a stored one (a unit vector of the profile's recognizer). */
  public static float[] centre(float[] stored, ProfileSpec profile) {
    EmbeddingCentre c = profile.centre();
    if (c == null) {
      throw new IllegalArgumentException("profile " + profile.id() + " has no embedding centre");
    }
    return c.applied(stored);
  }

  /** The start-up hint when a collection holds another space's embeddings. */
  public static String hint(String storedModel, ProfileSpec profile) {
    return action(storedModel, profile) == Action.CENTRE
        ? "run `migrate-gallery` once with this configuration (service stopped) to centre them, since profile "
            + profile.id() + " now centres its embeddings (docs/operations.md, 'Upgrades and rollback')"
        : "start with the profile of that model, or use another database";
  }
}
