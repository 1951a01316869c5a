package dev.facerec.recognition;

import dev.facerec.bus.FaceData;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexChange;
import dev.facerec.bus.InferenceResult;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import dev.facerec.index.IndexClient;
import dev.facerec.metrics.RecognitionMetrics;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.pipeline.InferenceClient;
import dev.facerec.quality.QualityGate;
import dev.facerec.store.GalleryStore;
import dev.facerec.store.GalleryStore.CollectionSettings;
import dev.facerec.store.GalleryStore.Subject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The recognition sequences, one method each: what is computed where, in which order, and what is written.
 * Every gallery write commits with its change-log entry, then is sent to the index replicas; the call
 * completes once the live replicas applied it, so identify on any node sees it (read your writes).
 */
public final class Recognition {
  /** What the sequences need to know about the deployment. */
  public record Settings(String profile, String modelId, double verifyThreshold, double identifyThreshold, QualityGate gate,
      boolean duplicateCheck, SubjectScore subjectScore) {}

  private final GalleryStore store;
  private final InferenceClient inference;
  private final IndexClient index;
  private final RecognitionMetrics metrics;
  private final Settings settings;

  public Recognition(GalleryStore store, InferenceClient inference, IndexClient index, RecognitionMetrics metrics, Settings settings) {
    this.store = store;
    this.inference = inference;
    this.index = index;
    this.metrics = metrics;
    this.settings = settings;
  }

  public Future<InferenceResult> detect(byte[] image, String requestId) {
    return inference.detect(image, requestId);
  }

  /** Every face of the image (or the largest) against the collection, decided by {@code policy}. */
  public Future<JsonObject> identify(String collection, byte[] image, FaceSelection selection, int limit, Policy policy, String requestId) {
    return identify(collection, image, selection, limit, policy, false, false, requestId);
  }

  /**
   * {@code allowPartial}: when no replica of some shard answers, decide on the others and say which shards
   * were missing, instead of failing with INDEX_UNAVAILABLE; {@code withEmbeddings}: each face also carries its
   * {@code embedding} (the CompreFace calculator plugin).
   */
  public Future<JsonObject> identify(String collection, byte[] image, FaceSelection selection, int limit, Policy policy,
      boolean allowPartial, boolean withEmbeddings, String requestId) {
    return inference.embed(image, selection, requestId).compose(result -> {
      List<Future<IndexClient.Outcome>> searches = new ArrayList<>();
      for (FaceData f : result.faces()) {
        // More subjects than wanted: they come by their nearest face, and a centroid can rank below its best face.
        searches.add(search(collection, f.embedding(), Math.min(limit * 4, 400), allowPartial));
      }
      return Future.all(searches).compose(all -> {
        Set<UUID> subjects = new HashSet<>();
        searches.forEach(s -> s.result().hits().forEach(h -> subjects.add(h.subjectId())));
        return store.subjectNames(subjects).map(names -> {
          JsonArray faces = new JsonArray();
          for (int i = 0; i < result.faces().size(); i++) {
            FaceData face = result.faces().get(i);
            IdentifyDecision d = IdentifyDecision.decide(searches.get(i).result().hits(), names, limit, policy.threshold(), policy.minMargin(),
                settings.subjectScore());
            metrics.identified(RecognitionMetrics.Decision.valueOf(d.outcome().name()), d.similarity() == null ? 0 : d.similarity());
            faces.add(withEmbeddings ? render(face, d).put("embedding", embeddingJson(face.embedding())) : render(face, d));
          }
          java.util.TreeSet<Integer> missing = new java.util.TreeSet<>();
          searches.forEach(sr -> missing.addAll(sr.result().missingShards()));
          JsonObject out = new JsonObject()
              .put("model", settings.modelId())
              .put("profile", settings.profile())
              .put("collection", collection)
              .put("threshold", round((float) policy.threshold()))
              .put("thresholdSource", policy.source())
              .put("minMargin", policy.minMargin())
              .put("subjectScore", settings.subjectScore().id())
              .put("faces", faces);
          if (!missing.isEmpty()) {
            out.put("partial", true).put("missingShards", new JsonArray(new ArrayList<>(missing)));
          }
          return out;
        });
      });
    });
  }

  private static JsonObject render(FaceData face, IdentifyDecision d) {
    JsonArray candidates = new JsonArray();
    d.candidates().forEach(c -> candidates.add(new JsonObject()
        .put("subjectId", c.subjectId().toString()).put("name", c.name()).put("similarity", round(c.similarity()))));
    JsonObject out = new JsonObject().put("box", face.boxJson()).put("landmarks", face.landmarksJson()).put("score", round(face.score()));
    switch (d.outcome()) {
      case MATCH -> out.put("decision", "match").put("subject", new JsonObject().put("id", d.subjectId().toString())
          .put("name", d.candidates().get(0).name()));
      case AMBIGUOUS -> out.put("decision", "unknown").put("reason", "ambiguous").putNull("subject");
      default -> out.put("decision", "unknown").putNull("subject");
    }
    out.put("similarity", d.similarity() == null ? null : round(d.similarity()));
    out.put("margin", d.margin() == null ? null : round(d.margin()));
    out.put("candidates", candidates);
    return out;
  }

  /** The largest face of each image, compared 1:1. */
  public Future<JsonObject> verify(byte[] first, byte[] second, Policy policy, String requestId) {
    Future<InferenceResult> a = inference.embed(first, FaceSelection.LARGEST, requestId);
    Future<InferenceResult> b = inference.embed(second, FaceSelection.LARGEST, requestId);
    return Future.all(a, b).map(all -> {
      FaceData fa = a.result().faces().get(0);
      FaceData fb = b.result().faces().get(0);
      float sim = FacePipeline.cosine(fa.embedding(), fb.embedding());
      boolean match = sim >= policy.threshold();
      metrics.verified(match);
      return new JsonObject()
          .put("model", settings.modelId())
          .put("profile", settings.profile())
          .put("similarity", round(sim))
          .put("threshold", round((float) policy.threshold()))
          .put("thresholdSource", policy.source())
          .put("match", match)
          .put("faces", new JsonArray().add(new JsonObject().put("box", fa.boxJson()).put("score", round(fa.score())))
              .add(new JsonObject().put("box", fb.boxJson()).put("score", round(fb.score()))));
    });
  }

  /**
   * Enrolls the one face of the image: quality gate, duplicate check, commit with its change-log entry, then
   * the index replicas. Completes with the stored face and its quality.
   */
  public Future<JsonObject> enroll(Subject subject, byte[] image, boolean allowDuplicate, String requestId) {
    return enroll(subject, image, allowDuplicate, 0, requestId);
  }

  /** As above; a face the detector scores under {@code minDetectionScore} counts as no face (NO_FACE). */
  public Future<JsonObject> enroll(Subject subject, byte[] image, boolean allowDuplicate, double minDetectionScore, String requestId) {
    return inference.embed(image, FaceSelection.SINGLE, requestId).compose(result -> {
      FaceData f = result.faces().get(0);
      if (f.score() < minDetectionScore) {
        return Future.failedFuture(new FaceException(Failure.NO_FACE, String.format(
            "no face with a detection score of at least %.2f was found (best %.3f)", minDetectionScore, f.score())));
      }
      settings.gate().check(f.quality());
      Future<Void> unique = settings.duplicateCheck() && !allowDuplicate
          ? refuseDuplicate(subject.collection(), subject.id(), f.embedding())
          : Future.succeededFuture();
      DetectedFace face = new DetectedFace(new Box(f.x(), f.y(), f.width(), f.height()), f.landmarks(), f.score());
      return unique
          .compose(v -> store.addFace(subject.id(), f.embedding(), result.modelId(), face, sha256(image)))
          .compose(w -> index.publish(IndexChange.adding(w.seq(), subject.collection(), w.shards(), w.value().id(), subject.id(), f.embedding()))
              .compose(v -> {
                JsonObject out = w.value().toJson().put("quality", f.quality().toJson());
                if (result.detected() > 1) {
                  // The photo held bystanders; the face stored is the one whose box is in the answer.
                  out.put("facesInImage", result.detected());
                }
                // Committed already: a count that cannot be read now only leaves the advice out.
                return store.getSubject(subject.id()).map(s -> out.mergeIn(EnrollmentAdvice.of(s.faceCount())))
                    .otherwise(out);
              }));
    });
  }

  private Future<Void> refuseDuplicate(String collection, UUID subjectId, float[] embedding) {
    double threshold = settings.identifyThreshold();
    SubjectScore score = settings.subjectScore();
    return search(collection, embedding, 10, false).compose(r -> DuplicateRule.conflict(r.hits(), subjectId, threshold, score)
        .<Future<Void>>map(h -> Future.failedFuture(new FaceException(Failure.DUPLICATE_IDENTITY, String.format(
            "the face already matches subject %s (similarity %.3f >= threshold %.3f); add ?allowDuplicate=true to enroll it anyway",
            h.subjectId(), score.of(h), threshold))
            .withDetails(new JsonObject().put("subjectId", h.subjectId().toString()).put("similarity", round(score.of(h))))))
        .orElse(Future.succeededFuture()));
  }

  /** A search of every shard of the collection, timed per collection. */
  private Future<IndexClient.Outcome> search(String collection, float[] vector, int k, boolean allowPartial) {
    long t0 = System.nanoTime();
    return index.searchAll(collection, vector, k, settings.subjectScore() == SubjectScore.CENTROID, allowPartial).onSuccess(r -> metrics.searched(collection, System.nanoTime() - t0));
  }

  /** Deletes a subject and its faces; completes once the replicas dropped them. Returns the number of faces. */
  public Future<Integer> deleteSubject(Subject subject) {
    return store.deleteSubject(subject.id()).compose(w -> index.publish(IndexChange.removing(w.seq(), subject.collection(), w.shards(), w.value()))
        .map(v -> w.value().size()));
  }

  /** Deletes one face; completes once the replicas dropped it. */
  public Future<Void> deleteFace(Subject subject, UUID faceId) {
    return store.deleteFace(subject.id(), faceId).compose(w -> index.publish(IndexChange.removing(w.seq(), subject.collection(), w.shards(), List.of(faceId))));
  }

  public Future<CollectionSettings> putSettings(String collection, CollectionSettings s) {
    return store.putCollectionSettings(collection, s).map(GalleryStore.Written::value);
  }

  /** A subject's faces against each other ({@link Consistency}). */
  public Future<JsonObject> consistency(Subject subject) {
    return store.subjectEmbeddings(subject.id()).map(list -> {
      JsonArray faces = new JsonArray();
      JsonArray outliers = new JsonArray();
      for (Consistency.FaceCheck c : Consistency.check(list, settings.verifyThreshold())) {
        JsonObject f = new JsonObject().put("faceId", c.faceId().toString());
        if (c.meanSimilarity() != null) {
          f.put("meanSimilarity", round(c.meanSimilarity().floatValue())).put("minSimilarity", round(c.minSimilarity().floatValue()))
              .put("outlier", c.outlier());
          if (c.outlier()) {
            outliers.add(f.getString("faceId"));
          }
        }
        faces.add(f);
      }
      return new JsonObject().put("subjectId", subject.id().toString()).put("threshold", settings.verifyThreshold())
          .put("faces", faces).put("outliers", outliers).put("consistent", outliers.isEmpty());
    });
  }

  /** An embedding as a JSON array of numbers. */
  public static JsonArray embeddingJson(float[] e) {
    JsonArray a = new JsonArray();
    for (float v : e) {
      a.add((double) v);
    }
    return a;
  }

  public static double round(float v) {
    return Math.round(v * 10000.0) / 10000.0;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
