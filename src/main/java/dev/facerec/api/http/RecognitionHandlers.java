package dev.facerec.api.http;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceData;
import dev.facerec.bus.InferenceResult;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.metrics.RecognitionMetrics;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Detect, identify (1:N) and verify (1:1). */
final class RecognitionHandlers {
  private final Vertx vertx;
  private final ApiContext api;
  private final Decisions decisions;

  RecognitionHandlers(Vertx vertx, ApiContext api) {
    this.vertx = vertx;
    this.api = api;
    this.decisions = new Decisions(api);
  }

  void detect(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> api.inference().detect(images.get("file"), requestId))
        .onSuccess(r -> SubjectHandlers.json(ctx, 200, Detections.toJson(r)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void identify(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    String collection = Guards.collection(ctx, ctx.request().getParam("collection"));
    int limit = Params.intParam(ctx, "limit", 5, 1, 100);
    FaceSelection selection = Params.bool(ctx, "largestOnly", false) ? FaceSelection.LARGEST : FaceSelection.ALL;
    Future<Decisions.Policy> policy = decisions.forIdentify(ctx, collection);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> policy.compose(p -> api.inference().embed(images.get("file"), selection, requestId)))
        .compose(result -> {
          List<Future<SearchResult>> searches = new ArrayList<>();
          for (FaceData f : result.faces()) {
            // Several faces of one subject may be enrolled: ask for more hits than subjects wanted.
            SearchRequest req = new SearchRequest(collection, f.embedding(), Math.min(limit * 4, 400));
            searches.add(vertx.eventBus().<SearchResult>request(Addresses.INDEX_SEARCH, req).map(m -> m.body()));
          }
          return Future.all(searches).compose(all -> {
            Set<UUID> subjects = new HashSet<>();
            searches.forEach(s -> s.result().hits().forEach(h -> subjects.add(h.subjectId())));
            return api.store().subjectNames(subjects).map(names -> {
              JsonArray faces = new JsonArray();
              for (int i = 0; i < result.faces().size(); i++) {
                faces.add(identified(result.faces().get(i), searches.get(i).result().hits(), names, limit, policy.result()));
              }
              return new JsonObject()
                  .put("model", api.modelId())
                  .put("profile", api.profile())
                  .put("collection", collection)
                  .put("threshold", round((float) policy.result().threshold()))
                  .put("thresholdSource", policy.result().source())
                  .put("minMargin", policy.result().minMargin())
                  .put("faces", faces);
            });
          });
        })
        .onSuccess(body -> SubjectHandlers.json(ctx, 200, body))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private JsonObject identified(FaceData face, List<SearchResult.Hit> hits, Map<UUID, String> names, int limit, Decisions.Policy policy) {
    Map<UUID, Float> bySubject = new LinkedHashMap<>();
    for (SearchResult.Hit h : hits) {
      // A subject deleted between search and lookup has no name any more: leave it out.
      if (names.containsKey(h.subjectId())) {
        bySubject.merge(h.subjectId(), h.similarity(), Math::max);
      }
    }
    List<Map.Entry<UUID, Float>> ranked = bySubject.entrySet().stream()
        .sorted((a, b) -> Float.compare(b.getValue(), a.getValue()))
        .limit(limit)
        .toList();
    JsonArray candidates = new JsonArray();
    ranked.forEach(e -> candidates.add(new JsonObject()
        .put("subjectId", e.getKey().toString()).put("name", names.get(e.getKey())).put("similarity", round(e.getValue()))));
    JsonObject out = new JsonObject().put("box", face.boxJson()).put("landmarks", face.landmarksJson()).put("score", round(face.score()));
    Float best = ranked.isEmpty() ? null : ranked.get(0).getValue();
    Float margin = ranked.size() < 2 ? null : ranked.get(0).getValue() - ranked.get(1).getValue();
    RecognitionMetrics.Decision decision;
    if (best == null || best < policy.threshold()) {
      decision = RecognitionMetrics.Decision.UNKNOWN;
      out.put("decision", "unknown").putNull("subject");
    } else if (margin != null && margin < policy.minMargin()) {
      // Two subjects both above the threshold and too close to tell apart: naming either would be a guess.
      decision = RecognitionMetrics.Decision.AMBIGUOUS;
      out.put("decision", "unknown").put("reason", "ambiguous").putNull("subject");
    } else {
      decision = RecognitionMetrics.Decision.MATCH;
      UUID id = ranked.get(0).getKey();
      out.put("decision", "match").put("subject", new JsonObject().put("id", id.toString()).put("name", names.get(id)));
    }
    api.metrics().identified(decision, best == null ? 0 : best);
    out.put("similarity", best == null ? null : round(best));
    out.put("margin", margin == null ? null : round(margin));
    out.put("candidates", candidates);
    return out;
  }

  void verify(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    Future<Decisions.Policy> policy = decisions.forVerify(ctx);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file1", "file2")
        .compose(images -> policy.map(p -> images))
        .compose(images -> {
          Future<InferenceResult> a = api.inference().embed(images.get("file1"), FaceSelection.LARGEST, requestId);
          Future<InferenceResult> b = api.inference().embed(images.get("file2"), FaceSelection.LARGEST, requestId);
          return Future.all(a, b).map(all -> {
            FaceData fa = a.result().faces().get(0);
            FaceData fb = b.result().faces().get(0);
            float sim = FacePipeline.cosine(fa.embedding(), fb.embedding());
            Decisions.Policy p = policy.result();
            boolean match = sim >= p.threshold();
            api.metrics().verified(match);
            return new JsonObject()
                .put("model", api.modelId())
                .put("profile", api.profile())
                .put("similarity", round(sim))
                .put("threshold", round((float) p.threshold()))
                .put("thresholdSource", p.source())
                .put("match", match)
                .put("faces", new JsonArray().add(new JsonObject().put("box", fa.boxJson()).put("score", round(fa.score())))
                    .add(new JsonObject().put("box", fb.boxJson()).put("score", round(fb.score()))));
          });
        })
        .onSuccess(body -> SubjectHandlers.json(ctx, 200, body))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  static double round(float v) {
    return Math.round(v * 10000.0) / 10000.0;
  }
}
