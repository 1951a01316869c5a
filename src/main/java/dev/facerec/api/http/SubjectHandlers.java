package dev.facerec.api.http;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceData;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexUpdate;
import dev.facerec.bus.SearchRequest;
import dev.facerec.bus.SearchResult;
import dev.facerec.detect.Box;
import dev.facerec.detect.DetectedFace;
import dev.facerec.pipeline.FaceSelection;
import dev.facerec.store.GalleryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/** Subjects and their enrolled faces. */
final class SubjectHandlers {
  private static final int MAX_NAME = 200;
  private static final int MAX_METADATA_CHARS = 16 * 1024;

  private final Vertx vertx;
  private final ApiContext api;
  private final GalleryStore store;

  SubjectHandlers(Vertx vertx, ApiContext api) {
    this.vertx = vertx;
    this.api = api;
    this.store = api.store();
  }

  void create(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    String name = name(body.getValue("name"), true);
    String collection = Guards.collection(ctx, stringField(body, "collection"));
    JsonObject metadata = metadata(body.getValue("metadata"));
    store.createSubject(collection, name, metadata)
        .onSuccess(s -> ctx.response().setStatusCode(201)
            .putHeader("Location", "/api/v1/subjects/" + s.id())
            .putHeader("Content-Type", "application/json").end(s.toJson().toBuffer()))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void list(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.request().getParam("collection"));
    int page = Params.intParam(ctx, "page", 1, 1, 1_000_000);
    int size = Params.intParam(ctx, "size", 50, 1, 500);
    store.listSubjects(collection, page - 1, size)
        .onSuccess(p -> {
          JsonArray items = new JsonArray();
          p.items().forEach(s -> items.add(s.toJson()));
          json(ctx, 200, new JsonObject().put("collection", collection).put("page", page).put("size", p.size())
              .put("total", p.total()).put("items", items));
        })
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void get(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s)).onSuccess(s -> json(ctx, 200, s.toJson())).onFailure(t -> Errors.fail(ctx, t));
  }

  void patch(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    JsonObject body = jsonBody(ctx);
    String name = body.containsKey("name") ? name(body.getValue("name"), true) : null;
    JsonObject metadata = body.containsKey("metadata") ? metadata(body.getValue("metadata")) : null;
    if (name == null && metadata == null) {
      throw new FaceException(Failure.INVALID_REQUEST, "nothing to change: send 'name' and/or 'metadata'");
    }
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> store.updateSubject(id, name, metadata)).onSuccess(s -> json(ctx, 200, s.toJson())).onFailure(t -> Errors.fail(ctx, t));
  }

  void delete(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> store.deleteSubject(id).compose(faceIds -> removeFromIndex(s.collection(), faceIds)
            .compose(v -> audit(ctx, "subject.delete", id.toString(), new JsonObject()
                .put("collection", s.collection()).put("faces", faceIds.size())))))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void addFace(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    String requestId = Errors.requestId(ctx);
    boolean allowDuplicate = Params.bool(ctx, "allowDuplicate", false);
    ctx.request().pause(); // the body is read only once the subject is known to exist and visible
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(subject -> ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
            .compose(images -> {
              byte[] image = images.get("file");
              return api.inference().embed(image, FaceSelection.SINGLE, requestId)
                  .compose(result -> {
                    FaceData f = result.faces().get(0);
                    api.config().enrollment().gate().check(f.quality());
                    Future<Void> unique = api.config().enrollment().duplicateCheck() && !allowDuplicate
                        ? refuseDuplicate(subject.collection(), subject.id(), f.embedding())
                        : Future.succeededFuture();
                    DetectedFace face = new DetectedFace(new Box(f.x(), f.y(), f.width(), f.height()), f.landmarks(), f.score());
                    return unique
                        .compose(v -> store.addFace(subject.id(), f.embedding(), result.modelId(), face, sha256(image)))
                        .compose(rec -> vertx.eventBus()
                            .request(Addresses.INDEX_UPDATE, IndexUpdate.adding(subject.collection(), result.modelId(), rec.id(), subject.id(), f.embedding()))
                            .map(ok -> rec.toJson().put("quality", f.quality().toJson())));
                  });
            }))
        .onSuccess(body -> {
          api.metrics().enrollment("enrolled");
          ctx.response().setStatusCode(201)
              .putHeader("Location", "/api/v1/subjects/" + id + "/faces/" + body.getString("id"))
              .putHeader("Content-Type", "application/json").end(body.toBuffer());
        })
        .onFailure(t -> {
          api.metrics().enrollment(t instanceof FaceException fe ? fe.failure().name() : Failure.INTERNAL.name());
          Errors.fail(ctx, t);
        });
  }

  /**
   * 409 when the face already matches a different subject of the collection at the 1:N threshold (the
   * new face meets every subject, so the 1:1 threshold would flag look-alikes in any large gallery).
   */
  private Future<Void> refuseDuplicate(String collection, UUID subjectId, float[] embedding) {
    return vertx.eventBus().<SearchResult>request(Addresses.INDEX_SEARCH, new SearchRequest(collection, embedding, 10))
        .compose(m -> {
          for (SearchResult.Hit h : m.body().hits()) {
            if (!h.subjectId().equals(subjectId) && h.similarity() >= api.identifyThreshold()) {
              return Future.failedFuture(new FaceException(Failure.DUPLICATE_IDENTITY, String.format(
                  "the face already matches subject %s (similarity %.3f >= threshold %.3f); add ?allowDuplicate=true to enroll it anyway",
                  h.subjectId(), h.similarity(), api.identifyThreshold()))
                  .withDetails(new JsonObject().put("subjectId", h.subjectId().toString()).put("similarity", RecognitionHandlers.round(h.similarity()))));
            }
          }
          return Future.<Void>succeededFuture();
        });
  }

  /**
   * Checks a subject's faces against each other: a face whose mean similarity to the others is below the
   * decision threshold does not look like them (a wrong person enrolled, or a very poor image).
   */
  void consistency(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> store.subjectEmbeddings(id))
        .onSuccess(list -> {
          JsonArray faces = new JsonArray();
          JsonArray outliers = new JsonArray();
          for (int i = 0; i < list.size(); i++) {
            double sum = 0;
            double min = 1;
            for (int j = 0; j < list.size(); j++) {
              if (i != j) {
                double sim = dev.facerec.pipeline.FacePipeline.cosine(list.get(i).vector(), list.get(j).vector());
                sum += sim;
                min = Math.min(min, sim);
              }
            }
            JsonObject f = new JsonObject().put("faceId", list.get(i).faceId().toString());
            if (list.size() > 1) {
              double mean = sum / (list.size() - 1);
              boolean outlier = mean < api.threshold();
              f.put("meanSimilarity", RecognitionHandlers.round((float) mean)).put("minSimilarity", RecognitionHandlers.round((float) min))
                  .put("outlier", outlier);
              if (outlier) {
                outliers.add(f.getString("faceId"));
              }
            }
            faces.add(f);
          }
          json(ctx, 200, new JsonObject().put("subjectId", id.toString()).put("threshold", api.threshold())
              .put("faces", faces).put("outliers", outliers).put("consistent", outliers.isEmpty()));
        })
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void listFaces(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> store.listFaces(id))
        .onSuccess(list -> {
          JsonArray items = new JsonArray();
          list.forEach(f -> items.add(f.toJson()));
          json(ctx, 200, new JsonObject().put("subjectId", id.toString()).put("items", items));
        })
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void deleteFace(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    UUID faceId = Params.id(ctx, "faceId", Failure.FACE_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> store.deleteFace(id, faceId).compose(v -> removeFromIndex(s.collection(), List.of(faceId)))
            .compose(v -> audit(ctx, "face.delete", faceId.toString(), new JsonObject()
                .put("subjectId", id.toString()).put("collection", s.collection()))))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** Who deleted what: ids only, never names or biometric data. */
  private Future<Void> audit(RoutingContext ctx, String action, String target, JsonObject details) {
    return store.audit(Guards.principal(ctx).id(), action, target, details);
  }

  /** The delete call returns only once the faces have left the index. */
  private Future<Void> removeFromIndex(String collection, List<UUID> faceIds) {
    if (faceIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().request(Addresses.INDEX_UPDATE, IndexUpdate.removing(collection, faceIds)).mapEmpty();
  }

  static JsonObject jsonBody(RoutingContext ctx) {
    String type = ImageUpload.contentType(ctx.request());
    if (!type.equals("application/json")) {
      throw new FaceException(Failure.INVALID_REQUEST, "send a JSON body with Content-Type: application/json");
    }
    if (ctx.body() == null || ctx.body().length() == 0) {
      throw new FaceException(Failure.MALFORMED_JSON, "the body is empty: a JSON object is expected");
    }
    try {
      Object v = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
      if (v instanceof JsonObject o) {
        return o;
      }
    } catch (io.vertx.core.json.DecodeException e) {
      throw new FaceException(Failure.MALFORMED_JSON, "the body is not valid JSON");
    }
    throw new FaceException(Failure.MALFORMED_JSON, "the body must be a JSON object");
  }

  private static String stringField(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw new FaceException(Failure.INVALID_REQUEST, "'" + field + "' must be a string");
    }
    return (String) v;
  }

  private static String name(Object v, boolean required) {
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      throw new FaceException(Failure.INVALID_REQUEST, "'name' is required: a non-empty string");
    }
    if (s.length() > MAX_NAME) {
      throw new FaceException(Failure.INVALID_REQUEST, "'name' is longer than " + MAX_NAME + " characters");
    }
    return s.strip();
  }

  private static JsonObject metadata(Object v) {
    if (v == null) {
      return new JsonObject();
    }
    if (!(v instanceof JsonObject o)) {
      throw new FaceException(Failure.INVALID_REQUEST, "'metadata' must be a JSON object");
    }
    if (o.encode().length() > MAX_METADATA_CHARS) {
      throw new FaceException(Failure.INVALID_REQUEST, "'metadata' is larger than " + MAX_METADATA_CHARS + " characters");
    }
    return o;
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
