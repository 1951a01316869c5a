package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.store.GalleryStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Subjects and their enrolled faces. */
final class SubjectHandlers {
  private static final int MAX_NAME = 200;
  private static final int MAX_METADATA_CHARS = 16 * 1024;

  private final ApiContext api;
  private final GalleryStore store;

  SubjectHandlers(ApiContext api) {
    this.api = api;
    this.store = api.store();
  }

  void create(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    String name = name(body.getValue("name"), true);
    String collection = Guards.collection(ctx, stringField(body, "collection"));
    JsonObject metadata = metadata(body.getValue("metadata"));
    store.createSubject(collection, name, metadata)
        .onSuccess(s -> created(ctx, "/api/v1/subjects/" + s.id(), s.toJson()))
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
        .compose(s -> api.recognition().deleteSubject(s).compose(faces -> audit(ctx, "subject.delete", id.toString(), new JsonObject()
            .put("collection", s.collection()).put("faces", faces))))
        .onSuccess(v -> noContent(ctx))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void addFace(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    String requestId = Errors.requestId(ctx);
    boolean allowDuplicate = Params.bool(ctx, "allowDuplicate", false);
    ctx.request().pause(); // the body is read only once the subject is known to exist and visible
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(subject -> ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
            .compose(images -> api.recognition().enroll(subject, images.get("file"), allowDuplicate, requestId)))
        .onSuccess(body -> {
          api.metrics().enrollment("enrolled");
          created(ctx, "/api/v1/subjects/" + id + "/faces/" + body.getString("id"), body);
        })
        .onFailure(t -> {
          api.metrics().enrollment(t instanceof FaceException fe ? fe.failure().name() : Failure.INTERNAL.name());
          Errors.fail(ctx, t);
        });
  }

  /** A subject's faces against each other: an outlier may be a wrong person enrolled. */
  void consistency(RoutingContext ctx) {
    UUID id = Params.id(ctx, "id", Failure.SUBJECT_NOT_FOUND);
    store.getSubject(id).map(s -> Guards.visible(ctx, s))
        .compose(s -> api.recognition().consistency(s))
        .onSuccess(body -> json(ctx, 200, body))
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
        .compose(s -> api.recognition().deleteFace(s, faceId)
            .compose(v -> audit(ctx, "face.delete", faceId.toString(), new JsonObject()
                .put("subjectId", id.toString()).put("collection", s.collection()))))
        .onSuccess(v -> noContent(ctx))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** Who deleted what: ids only, never names or biometric data. */
  private Future<Void> audit(RoutingContext ctx, String action, String target, JsonObject details) {
    return store.audit(Guards.principal(ctx).id(), action, target, details);
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

  /** Answers unless the request was answered already (REQUEST_TIMEOUT, a closed connection): then the result is dropped. */
  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (open(ctx)) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
    }
  }

  static void created(RoutingContext ctx, String location, JsonObject body) {
    if (open(ctx)) {
      ctx.response().putHeader("Location", location);
      json(ctx, 201, body);
    }
  }

  static void noContent(RoutingContext ctx) {
    if (open(ctx)) {
      ctx.response().setStatusCode(204).end();
    }
  }

  private static boolean open(RoutingContext ctx) {
    return !ctx.response().ended() && !ctx.response().closed();
  }
}
