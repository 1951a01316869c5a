package dev.facerec.api.compreface;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.Errors;
import dev.facerec.api.http.Guards;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.store.GalleryStore;
import dev.facerec.store.GalleryStore.Subject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * CompreFace's face collection: subjects by name and their example images ("faces"), in the collection of the
 * caller's key. Every write goes through {@link dev.facerec.recognition.Recognition} (quality gate, duplicate
 * check, change log, index replicas) and deletions are audited as on the native API.
 */
final class CompreFaceCollection {
  private static final int MAX_NAME = 200;
  private static final int BATCH = 500;

  private final ApiContext api;
  private final GalleryStore store;

  CompreFaceCollection(ApiContext api) {
    this.api = api;
    this.store = api.store();
  }

  // ---- subjects

  void addSubject(RoutingContext ctx) {
    String collection = collection(ctx);
    String name = name(CompreFaceRoutes.jsonObject(ctx).getValue("subject"));
    store.subjectByName(collection, name)
        .compose(existing -> existing != null
            ? Future.failedFuture(new FaceException(Failure.SUBJECT_EXISTS, "subject '" + name + "' already exists"))
            : store.createSubject(collection, name, new JsonObject()))
        .onSuccess(s -> CompreFaceRoutes.json(ctx, 201, new JsonObject().put("subject", s.name())))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void listSubjects(RoutingContext ctx) {
    store.subjectNamesOf(collection(ctx))
        .onSuccess(names -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("subjects", new JsonArray(names))))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** Renames; a name taken by another subject is refused (CompreFace would merge the two). */
  void renameSubject(RoutingContext ctx) {
    String collection = collection(ctx);
    String old = ctx.pathParam("subject");
    String name = name(CompreFaceRoutes.jsonObject(ctx).getValue("subject"));
    subject(collection, old)
        .compose(s -> name.equals(s.name()) ? Future.succeededFuture(s) : store.subjectByName(collection, name).compose(other -> other != null
            ? Future.failedFuture(new FaceException(Failure.SUBJECT_EXISTS, "subject '" + name
                + "' already exists: this service does not merge subjects (docs/compreface.md)"))
            : store.updateSubject(s.id(), name, null)))
        .onSuccess(s -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("updated", true)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void deleteSubject(RoutingContext ctx) {
    String collection = collection(ctx);
    subject(collection, ctx.pathParam("subject"))
        .compose(s -> deleteSubject(ctx, s).map(s))
        .onSuccess(s -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("subject", s.name())))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void deleteAllSubjects(RoutingContext ctx) {
    String collection = collection(ctx);
    deleteSubjectsFrom(ctx, collection, 0)
        .onSuccess(n -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("deleted", n)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private Future<Integer> deleteSubjectsFrom(RoutingContext ctx, String collection, int done) {
    return store.listSubjects(collection, 0, BATCH).compose(page -> {
      Future<Void> chain = Future.succeededFuture();
      for (Subject s : page.items()) {
        chain = chain.compose(v -> deleteSubject(ctx, s));
      }
      int n = done + page.items().size();
      return chain.compose(v -> page.items().size() < BATCH ? Future.succeededFuture(n) : deleteSubjectsFrom(ctx, collection, n));
    });
  }

  private Future<Void> deleteSubject(RoutingContext ctx, Subject s) {
    return api.recognition().deleteSubject(s).compose(faces -> store.audit(Guards.principal(ctx).id(), "subject.delete",
        s.id().toString(), new JsonObject().put("collection", s.collection()).put("faces", faces).put("via", "compreface")));
  }

  // ---- faces (CompreFace's "examples of a subject")

  /** Adds an example; the subject is created when it does not exist yet (and removed again when the image is refused). */
  void addFace(RoutingContext ctx) {
    String collection = collection(ctx);
    String subjectName = CompreFaceRoutes.param(ctx, "subject");
    if (subjectName == null || subjectName.isBlank()) {
      throw new FaceException(Failure.INVALID_REQUEST, "parameter 'subject' is required");
    }
    String name = name(subjectName);
    double minScore = FaceOptions.number(ctx, "det_prob_threshold", 0, 0, 1);
    boolean allowDuplicate = FaceOptions.bool(ctx, "allowDuplicate");
    String requestId = Errors.requestId(ctx);
    CompreFaceImages.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> store.subjectByName(collection, name).compose(existing -> {
          if (existing != null) {
            return api.recognition().enroll(existing, images.get("file"), allowDuplicate, minScore, requestId);
          }
          return store.createSubject(collection, name, new JsonObject()).compose(created -> api.recognition()
              .enroll(created, images.get("file"), allowDuplicate, minScore, requestId)
              .recover(t -> store.deleteSubject(created.id()).transform(ignored -> Future.failedFuture(t))));
        }))
        .onSuccess(face -> {
          api.metrics().enrollment("enrolled");
          CompreFaceRoutes.json(ctx, 201, new JsonObject().put("image_id", face.getString("id")).put("subject", name));
        })
        .onFailure(t -> {
          api.metrics().enrollment(t instanceof FaceException fe ? fe.failure().name() : Failure.INTERNAL.name());
          Errors.fail(ctx, t);
        });
  }

  void listFaces(RoutingContext ctx) {
    String collection = collection(ctx);
    int page = FaceOptions.count(ctx, "page", 0, 0, 1_000_000);
    int size = FaceOptions.count(ctx, "size", 20, 1, GalleryStore.MAX_PAGE_SIZE);
    String subjectName = CompreFaceRoutes.param(ctx, "subject");
    Future<UUID> filter = subjectName == null || subjectName.isBlank() ? Future.succeededFuture(null)
        : store.subjectByName(collection, subjectName).map(s -> s == null ? new UUID(0, 0) : s.id());
    filter.compose(subjectId -> store.collectionFaces(collection, subjectId, page, size))
        .onSuccess(p -> {
          JsonArray faces = new JsonArray();
          p.items().forEach(f -> faces.add(new JsonObject().put("image_id", f.faceId().toString()).put("subject", f.subject())));
          CompreFaceRoutes.json(ctx, 200, new JsonObject().put("faces", faces).put("page_number", page).put("page_size", size)
              .put("total_pages", (p.total() + size - 1) / size).put("total_elements", p.total()));
        })
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void deleteFace(RoutingContext ctx) {
    String collection = collection(ctx);
    UUID id = imageId(ctx.pathParam("image_id"));
    deleteFace(ctx, collection, id)
        .onSuccess(deleted -> CompreFaceRoutes.json(ctx, 200, deleted))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  /** Without {@code subject}: every face of the collection; subjects stay (CompreFace's behaviour). */
  void deleteFaces(RoutingContext ctx) {
    String collection = collection(ctx);
    String subjectName = CompreFaceRoutes.param(ctx, "subject");
    Future<UUID> filter = subjectName == null || subjectName.isBlank() ? Future.succeededFuture(null)
        : store.subjectByName(collection, subjectName).map(s -> s == null ? new UUID(0, 0) : s.id());
    filter.compose(subjectId -> deleteFacesFrom(ctx, collection, subjectId, 0))
        .onSuccess(n -> CompreFaceRoutes.json(ctx, 200, new JsonObject().put("deleted", n)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private Future<Integer> deleteFacesFrom(RoutingContext ctx, String collection, UUID subjectId, int done) {
    return store.collectionFaces(collection, subjectId, 0, BATCH).compose(page -> {
      Future<Void> chain = Future.succeededFuture();
      for (GalleryStore.NamedFace f : page.items()) {
        chain = chain.compose(v -> deleteFace(ctx, collection, f.faceId()).mapEmpty());
      }
      int n = done + page.items().size();
      return chain.compose(v -> page.items().size() < BATCH ? Future.succeededFuture(n) : deleteFacesFrom(ctx, collection, subjectId, n));
    });
  }

  /** A JSON array of image ids; unknown ids (and ids of other collections) are skipped. Answers the deleted ones. */
  void deleteFaceList(RoutingContext ctx) {
    String collection = collection(ctx);
    Object body = CompreFaceRoutes.jsonValue(ctx);
    if (!(body instanceof JsonArray ids) || ids.size() > 1000) {
      throw new FaceException(Failure.INVALID_REQUEST, "send a JSON array of at most 1000 image ids");
    }
    List<UUID> valid = new ArrayList<>();
    for (Object o : ids) {
      if (!(o instanceof String s)) {
        throw new FaceException(Failure.INVALID_REQUEST, "every image id must be a string");
      }
      try {
        valid.add(UUID.fromString(s));
      } catch (IllegalArgumentException e) {
        // an id that cannot exist is skipped like an unknown one
      }
    }
    JsonArray deleted = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (UUID id : valid) {
      chain = chain.compose(v -> deleteFace(ctx, collection, id)
          .map(d -> {
            deleted.add(d);
            return (Void) null;
          })
          .recover(t -> t instanceof FaceException fe && fe.failure() == Failure.FACE_NOT_FOUND
              ? Future.succeededFuture() : Future.failedFuture(t)));
    }
    chain.onSuccess(v -> CompreFaceRoutes.jsonArray(ctx, 200, deleted)).onFailure(t -> Errors.fail(ctx, t));
  }

  private Future<JsonObject> deleteFace(RoutingContext ctx, String collection, UUID faceId) {
    return store.namedFace(faceId)
        .compose(f -> collection.equals(f.collection()) ? store.getSubject(f.subjectId()).map(s -> new Object[] {f, s})
            : Future.failedFuture(new FaceException(Failure.FACE_NOT_FOUND, "no face " + faceId)))
        .compose(fs -> {
          GalleryStore.NamedFace f = (GalleryStore.NamedFace) fs[0];
          Subject s = (Subject) fs[1];
          return api.recognition().deleteFace(s, faceId)
              .compose(v -> store.audit(Guards.principal(ctx).id(), "face.delete", faceId.toString(), new JsonObject()
                  .put("subjectId", s.id().toString()).put("collection", collection).put("via", "compreface")))
              .map(v -> new JsonObject().put("image_id", faceId.toString()).put("subject", f.subject()));
        });
  }

  // ---- helpers

  static String collection(RoutingContext ctx) {
    return Guards.collection(ctx, CompreFaceRoutes.param(ctx, "collection"));
  }

  private Future<Subject> subject(String collection, String name) {
    return store.subjectByName(collection, name).compose(s -> s != null ? Future.succeededFuture(s)
        : Future.failedFuture(new FaceException(Failure.SUBJECT_NOT_FOUND, "no subject named '" + name + "'")));
  }

  /** A malformed image id answers like an unknown one. */
  static UUID imageId(String v) {
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new FaceException(Failure.FACE_NOT_FOUND, "no face with id '" + v + "'");
    }
  }

  static String name(Object v) {
    if (!(v instanceof String s) || s.isBlank()) {
      throw new FaceException(Failure.INVALID_REQUEST, "'subject' is required: a non-empty string");
    }
    if (s.length() > MAX_NAME) {
      throw new FaceException(Failure.INVALID_REQUEST, "'subject' is longer than " + MAX_NAME + " characters");
    }
    return s.strip();
  }
}
