package dev.facerec.pipeline;

import dev.facerec.bus.Addresses;
import dev.facerec.bus.FaceData;
import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.InferenceRequest;
import dev.facerec.bus.InferenceResult;
import dev.facerec.detect.DetectedFace;
import dev.facerec.model.ModelManifest;
import dev.facerec.quality.FaceQuality;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker verticle owning one {@link FacePipeline} (its ONNX sessions open in start, close in stop).
 * Deployed {@code INFERENCE_WORKERS} times; the event bus spreads requests over the instances.
 */
public final class InferenceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceVerticle.class);

  private final ModelManifest manifest;
  private final String profile;
  private final Path modelsDir;
  private final PipelineOptions options;
  private FacePipeline pipeline;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  private dev.facerec.metrics.RecognitionMetrics metrics;

  public InferenceVerticle(ModelManifest manifest, String profile, Path modelsDir, PipelineOptions options) {
    this(manifest, profile, modelsDir, options, null);
  }

  /** With {@code metrics}: each stage of the pipeline is timed (facerec_inference_stage_seconds). */
  public InferenceVerticle(ModelManifest manifest, String profile, Path modelsDir, PipelineOptions options,
      dev.facerec.metrics.RecognitionMetrics metrics) {
    this.metrics = metrics;
    this.manifest = manifest;
    this.profile = profile;
    this.modelsDir = modelsDir;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    pipeline = FacePipeline.open(manifest, profile, modelsDir, options);
    if (metrics != null) {
      pipeline.timing(metrics::stage);
    }
    // Local only: the cluster reaches these workers through this node's InferenceGateVerticle.
    consumers.add(vertx.eventBus().<InferenceRequest>localConsumer(Addresses.DETECT, m -> handle(m, false)));
    consumers.add(vertx.eventBus().<InferenceRequest>localConsumer(Addresses.EMBED, m -> handle(m, true)));
    consumers.add(vertx.eventBus().localConsumer(Addresses.INFERENCE_INFO, m -> m.reply(new JsonObject()
        .put("profile", pipeline.profileId()).put("modelId", pipeline.recognizerId()).put("dimension", pipeline.dimension()))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void handle(Message<InferenceRequest> msg, boolean embed) {
    InferenceRequest req = msg.body();
    if (req.expired()) {
      // The caller has already answered 503; computing now would only delay the queue behind it.
      msg.fail(Failure.INFERENCE_TIMEOUT.httpStatus(), Failure.INFERENCE_TIMEOUT.replyMessage("request expired in the queue"));
      return;
    }
    long t0 = System.nanoTime();
    try {
      InferenceResult result;
      if (embed) {
        List<FaceData> faces = new ArrayList<>();
        FacePipeline.Embedded embedded = pipeline.embedCounted(req.image(), FaceSelection.valueOf(req.selection()));
        for (EmbeddedFace f : embedded.faces()) {
          faces.add(toData(f.face(), f.embedding(), f.quality()));
        }
        result = new InferenceResult(embedded.width(), embedded.height(), pipeline.recognizerId(), faces, millisSince(t0), null,
            embedded.detected());
      } else {
        Detection d = pipeline.detect(req.image());
        List<FaceData> faces = new ArrayList<>();
        d.faces().forEach(f -> faces.add(toData(f, null, null)));
        result = new InferenceResult(d.width(), d.height(), pipeline.recognizerId(), faces, millisSince(t0), null);
      }
      msg.reply(result);
    } catch (FaceException e) {
      msg.fail(e.failure().httpStatus(), e.failure().replyMessage(e.getMessage()));
    } catch (RuntimeException | Error e) {
      LOG.error("inference failed, requestId={}", req.requestId(), e);
      msg.fail(Failure.INTERNAL.httpStatus(), Failure.INTERNAL.replyMessage("inference failed"));
    }
  }

  private static double millisSince(long t0) {
    return Math.round((System.nanoTime() - t0) / 1e4) / 100.0;
  }

  private static FaceData toData(DetectedFace f, float[] embedding, FaceQuality quality) {
    return new FaceData(f.box().x(), f.box().y(), f.box().width(), f.box().height(), f.landmarks(), f.score(), embedding, quality);
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList())
        .eventually(() -> {
          if (pipeline != null) {
            pipeline.close();
          }
          return Future.succeededFuture();
        });
  }
}
