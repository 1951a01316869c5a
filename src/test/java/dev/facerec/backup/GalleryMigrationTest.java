package dev.facerec.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.model.EmbeddingCentre;
import dev.facerec.model.ProfileSpec;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("migrate-gallery's rule: only the profile's own recognizer, uncentred, moves into its centred space")
class GalleryMigrationTest {
  private static final EmbeddingCentre CENTRE = new EmbeddingCentre(new float[] {0.3f, 0, 0}, "test");
  private static final ProfileSpec PLAIN = new ProfileSpec("p", "", "det", null, "rec", 0.3, "", false, List.of(), 0.4, "",
      null, List.of());
  private static final ProfileSpec CENTRED = PLAIN.withCentre(CENTRE);

  @Test
  @DisplayName("stored in the profile's space: nothing; the recognizer's uncentred embeddings: centre; anything else: refuse")
  void actions() {
    assertEquals(GalleryMigration.Action.NOTHING, GalleryMigration.action("rec", PLAIN));
    assertEquals(GalleryMigration.Action.NOTHING, GalleryMigration.action(CENTRED.embeddingModel(), CENTRED));
    assertEquals(GalleryMigration.Action.CENTRE, GalleryMigration.action("rec", CENTRED));
    assertEquals(GalleryMigration.Action.REFUSE, GalleryMigration.action("other-recognizer", CENTRED));
    assertEquals(GalleryMigration.Action.REFUSE, GalleryMigration.action("rec+centre-0badc0de", CENTRED),
        "another centre's embeddings cannot be re-centred without that centre");
    assertEquals(GalleryMigration.Action.REFUSE, GalleryMigration.action(CENTRED.embeddingModel(), PLAIN),
        "centred embeddings are not uncentred back");
    assertTrue(GalleryMigration.refusal("other-recognizer", CENTRED).contains("re-enroll"));
    assertTrue(GalleryMigration.hint("rec", CENTRED).contains("migrate-gallery"));
    assertTrue(GalleryMigration.hint("other-recognizer", CENTRED).contains("start with the profile of that model"));
  }

  @Test
  @DisplayName("a stored unit embedding becomes exactly what the centred pipeline gives: normalize(e - centre)")
  void centresLikeThePipeline() {
    float[] stored = {0.6f, 0.8f, 0};
    assertArrayEquals(CENTRE.applied(stored), GalleryMigration.centre(stored, CENTRED), 0f);
    assertArrayEquals(new float[] {0.3f / (float) Math.hypot(0.3, 0.8), 0.8f / (float) Math.hypot(0.3, 0.8), 0},
        GalleryMigration.centre(stored, CENTRED), 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> GalleryMigration.centre(stored, PLAIN));
  }
}
