package dev.facerec.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SubjectFace: which face of an enrollment photo is the subject's")
class SubjectFaceTest {
  static DetectedFace face(float x, float y, float w, float h) {
    return new DetectedFace(new Box(x, y, w, h), null, 0.9f);
  }

  static Detection image(DetectedFace... faces) {
    return new Detection(1000, 800, List.of(faces));
  }

  @Test
  @DisplayName("the only face is the subject's, wherever it is")
  void onlyFace() {
    DetectedFace f = face(10, 10, 40, 50);
    assertSame(f, SubjectFace.choose(image(f)));
  }

  @Test
  @DisplayName("a large centred face with a small bystander: the large one")
  void smallBystanderIgnored() {
    DetectedFace subject = face(400, 250, 200, 260);
    DetectedFace bystander = face(850, 100, 60, 80); // 9 % of the area, off to the side
    assertSame(subject, SubjectFace.choose(image(bystander, subject)));
  }

  @Test
  @DisplayName("at exactly a quarter of the area a bystander is still one; just above, the photo is ambiguous")
  void boundary() {
    DetectedFace subject = face(400, 250, 200, 200);
    assertSame(subject, SubjectFace.choose(image(subject, face(0, 0, 100, 100))));
    FaceException e = assertThrows(FaceException.class, () -> SubjectFace.choose(image(subject, face(0, 0, 101, 100))));
    assertEquals(Failure.MULTIPLE_FACES, e.failure());
    assertTrue(e.getMessage().contains("25 %"), e.getMessage());
  }

  @Test
  @DisplayName("two people of similar size: refused")
  void twoPeopleRefused() {
    FaceException e = assertThrows(FaceException.class,
        () -> SubjectFace.choose(image(face(200, 250, 200, 250), face(600, 260, 180, 230))));
    assertEquals(Failure.MULTIPLE_FACES, e.failure());
    assertTrue(e.getMessage().startsWith("2 faces were found"), e.getMessage());
  }

  @Test
  @DisplayName("a large face off to the side of a smaller centred one: refused (who is the subject?)")
  void largeButNotCentredRefused() {
    DetectedFace large = face(0, 0, 200, 250);
    DetectedFace centred = face(470, 370, 60, 60);
    FaceException e = assertThrows(FaceException.class, () -> SubjectFace.choose(image(large, centred)));
    assertEquals(Failure.MULTIPLE_FACES, e.failure());
    assertTrue(e.getMessage().contains("nearest the centre"), e.getMessage());
  }

  @Test
  @DisplayName("several small bystanders around a dominant centred face: the dominant one")
  void crowdBehindSubject() {
    DetectedFace subject = face(380, 220, 240, 300);
    assertSame(subject, SubjectFace.choose(image(face(50, 50, 70, 90), subject, face(800, 60, 80, 100), face(120, 600, 60, 70))));
  }
}
