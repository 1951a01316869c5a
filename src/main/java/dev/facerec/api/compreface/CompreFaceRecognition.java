package dev.facerec.api.compreface;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.Decisions;
import dev.facerec.api.http.Errors;
import dev.facerec.api.http.Guards;
import dev.facerec.bus.FaceData;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.InferenceResult;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.recognition.Recognition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * CompreFace's recognize, verify-against-an-example, detection and verification. Similarities are listed as
 * CompreFace does; the extension object {@code facerec} carries this service's calibrated decision
 * ({@code match | unknown}) and the threshold it used.
 */
final class CompreFaceRecognition {
  private final ApiContext api;
  private final Decisions decisions;

  CompreFaceRecognition(ApiContext api) {
    this.api = api;
    this.decisions = new Decisions(api);
  }

  /** 1:N against the key's collection: Recognition.identify with every face, then rendered. */
  void recognize(RoutingContext ctx) {
    String collection = CompreFaceCollection.collection(ctx);
    FaceOptions options = FaceOptions.of(ctx);
    int predictions = FaceOptions.count(ctx, "prediction_count", 1, 1, 100);
    String requestId = Errors.requestId(ctx);
    long t0 = System.nanoTime();
    CompreFaceImages.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> decisions.forIdentify(ctx, collection).compose(policy -> api.recognition()
            .identify(collection, images.get("file"), FaceSelection.ALL, predictions, policy, false, options.calculator(), requestId)))
        .map(body -> {
          double millis = (System.nanoTime() - t0) / 1e6;
          JsonArray result = new JsonArray();
          for (JsonObject face : options.select(faces(body.getJsonArray("faces")))) {
            JsonArray subjects = new JsonArray();
            face.getJsonArray("candidates").forEach(c -> subjects.add(new JsonObject()
                .put("subject", ((JsonObject) c).getString("name")).put("similarity", ((JsonObject) c).getDouble("similarity"))));
            JsonObject decision = new JsonObject().put("decision", face.getString("decision"))
                .put("subject", face.getJsonObject("subject") == null ? null : face.getJsonObject("subject").getString("name"))
                .put("similarity", face.getValue("similarity")).put("margin", face.getValue("margin"));
            if (face.containsKey("reason")) {
              decision.put("reason", face.getString("reason"));
            }
            result.add(options.render(face, millis).put("subjects", subjects).put("facerec", decision));
          }
          JsonObject out = new JsonObject().put("result", result).put("facerec", new JsonObject()
              .put("collection", collection).put("model", body.getString("model")).put("threshold", body.getDouble("threshold"))
              .put("thresholdSource", body.getString("thresholdSource")));
          return withVersions(out, options);
        })
        .onSuccess(out -> CompreFaceRoutes.json(ctx, 200, out))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** Every face of the image against one stored example of the key's collection (1:1 each). */
  void verifyExample(RoutingContext ctx) {
    String collection = CompreFaceCollection.collection(ctx);
    UUID id = CompreFaceCollection.imageId(ctx.pathParam("image_id"));
    FaceOptions options = FaceOptions.of(ctx);
    String requestId = Errors.requestId(ctx);
    long t0 = System.nanoTime();
    // the image is read at once (the request must not stay paused behind a database look-up)
    Future<byte[]> image = CompreFaceImages.read(ctx, api.config().api().maxBodyBytes(), "file").map(m -> m.get("file"));
    api.store().namedFace(id)
        .compose(f -> collection.equals(f.collection()) && Guards.principal(ctx).mayUse(f.collection()) ? Future.succeededFuture(f)
            : Future.failedFuture(new FaceException(Failure.FACE_NOT_FOUND, "no face " + id)))
        .compose(stored -> image.compose(bytes -> api.inference().embed(bytes, FaceSelection.ALL, requestId))
            .map(r -> {
              double millis = (System.nanoTime() - t0) / 1e6;
              JsonArray result = new JsonArray();
              for (JsonObject face : sortedBySimilarity(options.select(faces(r, stored.embedding())))) {
                result.add(options.render(face, millis).put("similarity", face.getDouble("similarity"))
                    .put("facerec", match(face.getDouble("similarity"))));
              }
              return result;
            }))
        .onSuccess(result -> CompreFaceRoutes.json(ctx, 200, withVersions(new JsonObject().put("result", result), options)))
        .onFailure(t -> image.onComplete(ignored -> Errors.fail(ctx, t)));
  }

  /** Detection only; with the calculator plugin every face is also embedded. No face answers NO_FACE, as CompreFace does. */
  void detect(RoutingContext ctx) {
    FaceOptions options = FaceOptions.of(ctx);
    String requestId = Errors.requestId(ctx);
    long t0 = System.nanoTime();
    CompreFaceImages.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> options.calculator() ? api.inference().embed(images.get("file"), FaceSelection.ALL, requestId)
            : api.recognition().detect(images.get("file"), requestId))
        .map(r -> {
          double millis = (System.nanoTime() - t0) / 1e6;
          JsonArray result = new JsonArray();
          options.select(faces(r, null)).forEach(face -> result.add(options.render(face, millis)));
          return withVersions(new JsonObject().put("result", result), options);
        })
        .onSuccess(out -> CompreFaceRoutes.json(ctx, 200, out))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** The largest face of {@code source_image} against every face of {@code target_image}. */
  void verify(RoutingContext ctx) {
    FaceOptions options = FaceOptions.of(ctx);
    String requestId = Errors.requestId(ctx);
    long t0 = System.nanoTime();
    CompreFaceImages.read(ctx, api.config().api().maxBodyBytes(), "source_image", "target_image")
        .compose(images -> {
          Future<InferenceResult> source = api.inference().embed(images.get("source_image"), FaceSelection.LARGEST, requestId);
          Future<InferenceResult> target = api.inference().embed(images.get("target_image"), FaceSelection.ALL, requestId);
          return Future.all(source, target).map(all -> {
            double millis = (System.nanoTime() - t0) / 1e6;
            FaceData s = source.result().faces().get(0);
            JsonArray matches = new JsonArray();
            for (JsonObject face : sortedBySimilarity(options.select(faces(target.result(), s.embedding())))) {
              matches.add(options.render(face, millis).put("similarity", face.getDouble("similarity"))
                  .put("facerec", match(face.getDouble("similarity"))));
            }
            JsonObject sourceFace = options.render(face(s, null), millis);
            return withVersions(new JsonObject().put("source_image_face", sourceFace).put("face_matches", matches), options);
          });
        })
        .onSuccess(item -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("result", new JsonArray().add(item))))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private JsonObject match(double similarity) {
    return new JsonObject().put("match", similarity >= api.threshold()).put("threshold", Recognition.round((float) api.threshold()))
        .put("thresholdSource", api.thresholdSource());
  }

  private JsonObject withVersions(JsonObject out, FaceOptions options) {
    if (options.status()) {
      out.put("plugins_versions", FaceOptions.versions(api.profile(), api.modelId()));
    }
    return out;
  }

  private static List<JsonObject> faces(JsonArray identified) {
    List<JsonObject> out = new ArrayList<>();
    identified.forEach(o -> out.add((JsonObject) o));
    return out;
  }

  /** Our faces as JSON, each with its similarity to {@code reference} when given. */
  private static List<JsonObject> faces(InferenceResult r, float[] reference) {
    List<JsonObject> out = new ArrayList<>();
    r.faces().forEach(f -> out.add(face(f, reference)));
    return out;
  }

  private static JsonObject face(FaceData f, float[] reference) {
    JsonObject j = new JsonObject().put("box", f.boxJson()).put("landmarks", f.landmarksJson()).put("score", Recognition.round(f.score()));
    if (f.embedding() != null) {
      j.put("embedding", Recognition.embeddingJson(f.embedding()));
      if (reference != null) {
        j.put("similarity", Recognition.round(FacePipeline.cosine(reference, f.embedding())));
      }
    }
    return j;
  }

  private static List<JsonObject> sortedBySimilarity(List<JsonObject> faces) {
    List<JsonObject> sorted = new ArrayList<>(faces);
    sorted.sort(Comparator.comparingDouble((JsonObject f) -> f.getDouble("similarity", 0.0)).reversed());
    return sorted;
  }
}
