package dev.facerec.api.http;

import dev.facerec.pipeline.FaceSelection;
import dev.facerec.recognition.Policy;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** Detect, identify (1:N) and verify (1:1): parse, one call to {@link dev.facerec.recognition.Recognition}, render. */
final class RecognitionHandlers {
  private final ApiContext api;
  private final Decisions decisions;

  RecognitionHandlers(ApiContext api) {
    this.api = api;
    this.decisions = new Decisions(api);
  }

  void detect(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> api.recognition().detect(images.get("file"), requestId))
        .onSuccess(r -> SubjectHandlers.json(ctx, 200, Detections.toJson(r)))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void identify(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    String collection = Guards.collection(ctx, ctx.request().getParam("collection"));
    int limit = Params.intParam(ctx, "limit", 5, 1, 100);
    FaceSelection selection = Params.bool(ctx, "largestOnly", false) ? FaceSelection.LARGEST : FaceSelection.ALL;
    boolean allowPartial = Params.bool(ctx, "allowPartial", false);
    Future<Policy> policy = decisions.forIdentify(ctx, collection);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file")
        .compose(images -> policy.compose(p -> api.recognition().identify(collection, images.get("file"), selection, limit, p,
            allowPartial, false, requestId)))
        .onSuccess(body -> SubjectHandlers.json(ctx, 200, body))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  void verify(RoutingContext ctx) {
    String requestId = Errors.requestId(ctx);
    Future<Policy> policy = decisions.forVerify(ctx);
    ImageUpload.read(ctx, api.config().api().maxBodyBytes(), "file1", "file2")
        .compose(images -> policy.compose(p -> api.recognition().verify(images.get("file1"), images.get("file2"), p, requestId)))
        .onSuccess(body -> SubjectHandlers.json(ctx, 200, body))
        .onFailure(t -> Errors.fail(ctx, t));
  }

  static double round(float v) {
    return dev.facerec.recognition.Recognition.round(v);
  }
}
