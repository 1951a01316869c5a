package dev.facerec.api.compreface;

import dev.facerec.api.http.ApiContext;
import dev.facerec.api.http.Errors;
import dev.facerec.api.http.Guards;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.security.Role;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The route table of the CompreFace-compatible API (CompreFace 1.x), beside the native one under the same
 * {@code /api/v1} prefix and behind the same guards. A CompreFace "service" is one of our keys, scoped to a
 * collection, with the roles its service type needs: recognition = enroll + recognize, detection = detect,
 * verification = recognize (docs/compreface.md).
 */
public final class CompreFaceRoutes {
  private static final String BASE = "/api/v1";
  private static final long JSON_LIMIT = 64 * 1024;

  private CompreFaceRoutes() {}

  /** Registered before every other handler: errors of these paths, the guards' included, leave in CompreFace's shape. */
  public static void errorStyle(Router router) {
    for (String prefix : new String[] {"/recognition/*", "/detection/*", "/verification/*"}) {
      router.route(BASE + prefix).handler(ctx -> {
        ctx.put(Errors.COMPREFACE_STYLE, true);
        ctx.put(PARAMS, params(ctx.request().params()));
        ctx.next();
      });
    }
  }

  public static void mount(Router router, ApiContext api, Guards guards) {
    CompreFaceCollection collection = new CompreFaceCollection(api);
    CompreFaceRecognition recognition = new CompreFaceRecognition(api);
    Handler<RoutingContext> enroll = guards.require(Role.ENROLL, false);
    Handler<RoutingContext> recognize = guards.require(Role.RECOGNIZE, false);
    Handler<RoutingContext> detect = guards.require(Role.DETECT, false);
    BodyHandler json = BodyHandler.create(false).setBodyLimit(JSON_LIMIT);

    router.post(BASE + "/recognition/subjects").handler(enroll).handler(json).handler(collection::addSubject);
    router.get(BASE + "/recognition/subjects").handler(enroll).handler(collection::listSubjects);
    router.delete(BASE + "/recognition/subjects").handler(enroll).handler(collection::deleteAllSubjects);
    router.put(BASE + "/recognition/subjects/:subject").handler(enroll).handler(json).handler(collection::renameSubject);
    router.delete(BASE + "/recognition/subjects/:subject").handler(enroll).handler(collection::deleteSubject);

    router.post(BASE + "/recognition/faces").handler(enroll).handler(collection::addFace);
    router.get(BASE + "/recognition/faces").handler(enroll).handler(collection::listFaces);
    router.delete(BASE + "/recognition/faces").handler(enroll).handler(collection::deleteFaces);
    router.post(BASE + "/recognition/faces/delete").handler(enroll).handler(json).handler(collection::deleteFaceList);
    router.delete(BASE + "/recognition/faces/:image_id").handler(enroll).handler(collection::deleteFace);
    router.post(BASE + "/recognition/faces/:image_id/verify").handler(recognize).handler(recognition::verifyExample);
    router.post(BASE + "/recognition/recognize").handler(recognize).handler(recognition::recognize);

    router.post(BASE + "/detection/detect").handler(detect).handler(recognition::detect);
    router.post(BASE + "/verification/verify").handler(recognize).handler(recognition::verify);
  }

  private static final String PARAMS = "compreface.params";

  /**
   * The query parameters, repaired: the official JavaScript SDK (1.0.0) starts every option after the first
   * with a second {@code ?} when {@code limit} is absent ({@code ?face_plugins=landmarks?status=true}), so a
   * value holding {@code ?name=value} parts is split into those parameters.
   */
  static MultiMap params(MultiMap raw) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    raw.forEach((name, value) -> {
      String[] parts = value.split("\\?");
      out.add(name, parts[0]);
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        if (eq > 0) {
          out.add(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
      }
    });
    return out;
  }

  /** A query parameter of a CompreFace route (see {@link #params}). */
  static String param(RoutingContext ctx, String name) {
    MultiMap p = ctx.get(PARAMS);
    return p == null ? ctx.request().getParam(name) : p.get(name);
  }

  static Object jsonValue(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      throw new FaceException(Failure.INVALID_REQUEST, "send a JSON body with Content-Type: application/json");
    }
    if (ctx.body() == null || ctx.body().length() == 0) {
      throw new FaceException(Failure.MALFORMED_JSON, "the body is empty");
    }
    try {
      return Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      throw new FaceException(Failure.MALFORMED_JSON, "the body is not valid JSON");
    }
  }

  static JsonObject jsonObject(RoutingContext ctx) {
    if (jsonValue(ctx) instanceof JsonObject o) {
      return o;
    }
    throw new FaceException(Failure.MALFORMED_JSON, "the body must be a JSON object");
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }

  static void jsonArray(RoutingContext ctx, int status, JsonArray body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
