package dev.facerec.recognition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.model.ImpostorTail;
import dev.facerec.model.ProfileSpec;
import dev.facerec.model.ThresholdPolicy;
import dev.facerec.store.GalleryStore.CollectionSettings;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ThresholdRulesTest {
  private static final ImpostorTail TAIL = new ImpostorTail(0.34, 1e-3, 0.035, -0.06,
      List.of(new ProfileSpec.FmrPoint(1e-2, 0.25), new ProfileSpec.FmrPoint(1e-1, 0.13)), 1_000_000);
  private static final ProfileSpec PROFILE = new ProfileSpec("p", "", "d", null, "r", 0.35, "manifest 1:1", false,
      List.of(new ProfileSpec.FmrPoint(1e-3, 0.35), new ProfileSpec.FmrPoint(1e-2, 0.24)), 0.47, "manifest 1:N", TAIL, List.of());
  private static final OpenSetThreshold OPEN_SET = new OpenSetThreshold(TAIL);

  private static ThresholdRules rules(boolean identifyFixed) {
    return new ThresholdRules(new ThresholdRules.Defaults("p", 0.35, "manifest 1:1", 0.47, "manifest 1:N", 1e-2, 0.0,
        new ThresholdPolicy(PROFILE), OPEN_SET, identifyFixed));
  }

  private static ThresholdRules.Request fpir(double f) {
    return new ThresholdRules.Request(null, null, f, null);
  }

  private static void refused(Failure code, String mentions, Executable e) {
    FaceException x = assertThrows(FaceException.class, e);
    assertEquals(code, x.failure());
    assertTrue(x.getMessage().contains(mentions), x.getMessage());
  }

  @Test
  @DisplayName("identify with a stricter targetFpir never gets a looser threshold than the default, at any gallery size")
  void strictTargetFpirIsStricter() {
    ThresholdRules r = rules(false);
    for (long n : new long[] {1, 20, 1_000, 1_000_000}) {
      Policy dflt = r.forIdentify(ThresholdRules.Request.NONE, "c", CollectionSettings.NONE, n);
      Policy strict = r.forIdentify(fpir(1e-3), "c", CollectionSettings.NONE, n);
      assertTrue(strict.threshold() >= dflt.threshold(), n + ": " + strict + " vs " + dflt);
      assertEquals(OPEN_SET.threshold(n, 1e-3), strict.threshold(), 1e-12);
      assertTrue(strict.source().startsWith("request targetFpir=1e-03 for " + n + " subjects"), strict.source());
      assertTrue(dflt.source().startsWith("default targetFpir=1e-02"), dflt.source());
    }
    assertTrue(r.forIdentify(ThresholdRules.Request.NONE, "c", CollectionSettings.NONE, 1_000_000).threshold()
        > r.forIdentify(ThresholdRules.Request.NONE, "c", CollectionSettings.NONE, 1_000).threshold(), "the default follows the size");
  }

  @Test
  @DisplayName("targetFmr given to identify, set on a collection or stored in one is refused with TARGET_RATE_MISMATCH naming targetFpir")
  void targetFmrOnIdentifyIsRefused() {
    ThresholdRules r = rules(false);
    refused(Failure.TARGET_RATE_MISMATCH, "targetFpir",
        () -> r.forIdentify(new ThresholdRules.Request(null, 1e-3, null, null), "c", CollectionSettings.NONE, 10));
    refused(Failure.TARGET_RATE_MISMATCH, "targetFpir", () -> r.checkSettings(null, 1e-3, null));
    refused(Failure.TARGET_RATE_MISMATCH, "targetFpir",
        () -> r.forIdentify(ThresholdRules.Request.NONE, "c", new CollectionSettings(null, 1e-3, null, null), 10));
    // a request's own threshold or rate still decides over a stale collection targetFmr
    assertEquals(0.5, r.forIdentify(new ThresholdRules.Request(0.5, null, null, null), "c", new CollectionSettings(null, 1e-3, null, null), 10)
        .threshold());
    refused(Failure.TARGET_RATE_MISMATCH, "targetFmr", () -> r.forVerify(fpir(1e-3)));
  }

  @Test
  @DisplayName("verify resolves targetFmr as a 1:1 rate: on the profile's impostor tail (every pair of different people), not the 1:N model")
  void verifyUsesTheOneToOneCurve() {
    ThresholdRules r = rules(false);
    Policy p = r.forVerify(new ThresholdRules.Request(null, 1e-3, null, null));
    assertEquals(TAIL.score(1e-3), p.threshold(), 1e-12);
    assertTrue(p.source().contains("targetFmr"));
    assertEquals(0.35, r.forVerify(ThresholdRules.Request.NONE).threshold());
    assertEquals("manifest 1:1", r.forVerify(ThresholdRules.Request.NONE).source());
  }

  @Test
  @DisplayName("the request wins over the collection, the collection over the default; a fixed 1:N default stays fixed")
  void precedence() {
    ThresholdRules r = rules(false);
    CollectionSettings strictCollection = new CollectionSettings(null, null, 1e-4, 0.1);
    Policy byCollection = r.forIdentify(ThresholdRules.Request.NONE, "c", strictCollection, 200);
    assertEquals(OPEN_SET.threshold(200, 1e-4), byCollection.threshold(), 1e-12);
    assertTrue(byCollection.source().startsWith("collection 'c' targetFpir=1e-04 for 200 subjects"), byCollection.source());
    assertEquals(0.1, byCollection.minMargin());
    assertEquals(OPEN_SET.threshold(200, 1e-2), r.forIdentify(fpir(1e-2), "c", strictCollection, 200).threshold(), 1e-12);
    assertEquals(0.6, r.forIdentify(ThresholdRules.Request.NONE, "c", new CollectionSettings(0.6, null, null, null), 200).threshold());
    assertFalse(r.needsSize(ThresholdRules.Request.NONE, new CollectionSettings(0.6, null, null, null)));
    assertTrue(r.needsSize(ThresholdRules.Request.NONE, CollectionSettings.NONE));

    ThresholdRules fixed = rules(true);
    Policy dflt = fixed.forIdentify(ThresholdRules.Request.NONE, "c", CollectionSettings.NONE, 1_000_000);
    assertEquals(0.47, dflt.threshold());
    assertEquals("manifest 1:N", dflt.source());
    assertEquals(OPEN_SET.threshold(50, 1e-3), fixed.forIdentify(fpir(1e-3), "c", CollectionSettings.NONE, 50).threshold(), 1e-12);
  }

  @Test
  @DisplayName("out-of-range rates, both a threshold and a rate, or a profile without a tail are refused as invalid")
  void invalidRequests() {
    ThresholdRules r = rules(false);
    refused(Failure.INVALID_REQUEST, "targetFpir", () -> r.forIdentify(fpir(0.5), "c", CollectionSettings.NONE, 10));
    refused(Failure.INVALID_REQUEST, "not both",
        () -> r.forIdentify(new ThresholdRules.Request(0.4, null, 1e-3, null), "c", CollectionSettings.NONE, 10));
    refused(Failure.INVALID_REQUEST, "not both", () -> r.checkSettings(0.4, null, 1e-3));
    ThresholdRules untailed = new ThresholdRules(new ThresholdRules.Defaults("p", 0.35, "s", 0.47, "manifest 1:N", 1e-2, 0.0,
        new ThresholdPolicy(PROFILE), null, false));
    assertEquals(0.47, untailed.forIdentify(ThresholdRules.Request.NONE, "c", CollectionSettings.NONE, 10).threshold());
    refused(Failure.INVALID_REQUEST, "impostor tail", () -> untailed.forIdentify(fpir(1e-3), "c", CollectionSettings.NONE, 10));
  }
}
