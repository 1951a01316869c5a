package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.security.Security;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/** API key management: create (the secret is in this one answer), list, rotate, revoke. Every change is audited. */
final class AdminHandlers {
  private static final int MAX_NAME = 100;
  private final Security security;

  AdminHandlers(Security security) {
    this.security = security;
  }

  void createKey(RoutingContext ctx) {
    JsonObject body = SubjectHandlers.jsonBody(ctx);
    List<String> roles = new ArrayList<>();
    Object r = body.getValue("roles");
    if (r instanceof JsonArray a) {
      for (Object o : a) {
        if (!(o instanceof String s)) {
          throw new FaceException(Failure.INVALID_REQUEST, "'roles' must be an array of role names");
        }
        roles.add(s);
      }
    } else if (r != null) {
      throw new FaceException(Failure.INVALID_REQUEST, "'roles' must be an array of role names");
    }
    Object c = body.getValue("collection");
    if (c != null && !(c instanceof String)) {
      throw new FaceException(Failure.INVALID_REQUEST, "'collection' must be a string");
    }
    String collection = c == null ? null : Params.collection((String) c);
    Object n = body.getValue("name");
    if (n != null && (!(n instanceof String s) || s.length() > MAX_NAME)) {
      throw new FaceException(Failure.INVALID_REQUEST, "'name' must be a string of at most " + MAX_NAME + " characters");
    }
    security.createKey(roles, collection, (String) n, Guards.principal(ctx).id())
        .onSuccess(k -> SubjectHandlers.created(ctx, "/api/v1/admin/keys/" + k.record().id(), k.toJson()))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void listKeys(RoutingContext ctx) {
    security.keys().list()
        .onSuccess(list -> {
          JsonArray items = new JsonArray();
          list.forEach(k -> items.add(k.toJson()));
          SubjectHandlers.json(ctx, 200, new JsonObject().put("items", items));
        })
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void revokeKey(RoutingContext ctx) {
    security.revoke(keyId(ctx), Guards.principal(ctx).id())
        .onSuccess(k -> SubjectHandlers.noContent(ctx))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void rotateKey(RoutingContext ctx) {
    security.rotate(keyId(ctx), Guards.principal(ctx).id())
        .onSuccess(k -> SubjectHandlers.created(ctx, "/api/v1/admin/keys/" + k.record().id(), k.toJson()))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  private static String keyId(RoutingContext ctx) {
    String id = ctx.pathParam("keyId");
    if (id == null || !id.matches("[A-Za-z0-9_-]{1,32}")) {
      throw new FaceException(Failure.KEY_NOT_FOUND, "no API key with this id");
    }
    return id;
  }
}
