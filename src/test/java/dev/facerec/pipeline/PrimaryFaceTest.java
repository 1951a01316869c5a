package dev.facerec.pipeline;

import static dev.facerec.pipeline.SubjectFaceTest.face;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PrimaryFace: the largest face, unless it is cut by the border and a whole face of comparable size exists")
class PrimaryFaceTest {
  // A 150 x 150 portrait, as LFW's: the subject in the middle, a bystander at the edge.
  private static Detection portrait(DetectedFace... faces) {
    return new Detection(150, 150, List.of(faces));
  }

  @Test
  @DisplayName("the largest face when it lies inside the frame, or when it is the only one")
  void largestWhenWhole() {
    DetectedFace subject = face(50, 40, 55, 70);
    DetectedFace smaller = face(5, 10, 30, 40);
    assertSame(subject, PrimaryFace.choose(portrait(smaller, subject)));
    DetectedFace cutAlone = face(0, 0, 57, 71);
    assertSame(cutAlone, PrimaryFace.choose(portrait(cutAlone)));
  }

  @Test
  @DisplayName("a larger bystander cut by any border gives way to the whole subject (LFW's Colin_Farrell_0003, Paul_Pierce_0002)")
  void cutBystanderGivesWay() {
    DetectedFace subject = face(52.7f, 41.8f, 54.2f, 74.6f);
    assertSame(subject, PrimaryFace.choose(portrait(face(0, 0, 57.5f, 71.4f), subject)), "top-left corner");
    assertSame(subject, PrimaryFace.choose(portrait(face(99.0f, 17.5f, 51.0f, 72.8f), subject)), "right border");
    assertSame(subject, PrimaryFace.choose(portrait(face(20, 90, 70, 60), subject)), "bottom border");
  }

  @Test
  @DisplayName("a cut face stays primary against a whole face under a quarter of its area (a small bystander)")
  void smallWholeFaceIsABystander() {
    DetectedFace cutSubject = face(0, 20, 120, 130); // a tight crop of the subject: touches the left and bottom borders
    DetectedFace tiny = face(125, 10, 20, 25);       // 3 % of its area
    assertSame(cutSubject, PrimaryFace.choose(portrait(tiny, cutSubject)));
    DetectedFace quarter = face(100, 10, 40, 98);     // 25.1 % of its area: not a bystander any more
    assertSame(quarter, PrimaryFace.choose(portrait(quarter, cutSubject)));
  }

  @Test
  @DisplayName("cut means the box reaches the border, within half a pixel")
  void cutDefinition() {
    assertTrue(PrimaryFace.cut(new Box(0, 50, 10, 10), 150, 150));
    assertTrue(PrimaryFace.cut(new Box(50, 0.4f, 10, 10), 150, 150));
    assertTrue(PrimaryFace.cut(new Box(140, 50, 9.6f, 10), 150, 150));
    assertTrue(PrimaryFace.cut(new Box(50, 100, 10, 50), 150, 150));
    assertFalse(PrimaryFace.cut(new Box(1, 1, 148, 148), 150, 150));
    assertFalse(PrimaryFace.cut(new Box(3.4f, 5.9f, 54.4f, 71.4f), 150, 150), "near the border is not cut");
  }
}
