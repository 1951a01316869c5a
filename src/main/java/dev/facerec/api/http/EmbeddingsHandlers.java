package dev.facerec.api.http;

import dev.facerec.bus.FaceException;
import dev.facerec.bus.Failure;
import dev.facerec.bus.IndexChange;
import dev.facerec.bus.Vectors;
import dev.facerec.store.GalleryStore.ImportedFace;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A collection's embeddings out and in, as NDJSON (docs/cluster.md#embeddings-import-and-export): a header
 * line (format, version, collection, model, dimension), then one line per face with its id, its subject's
 * id and name, and the float32 little-endian embedding in base64. Both directions stream: export pages
 * through the faces, import commits every {@value #BATCH} faces in one transaction and says so on its own
 * answer stream before it reads more. Ids are kept, so importing a file twice adds nothing twice, and an
 * interrupted import is resumed by sending the same file again.
 */
final class EmbeddingsHandlers {
  static final String FORMAT = "facerec-embeddings";
  static final int VERSION = 1;
  static final int BATCH = 500;
  private static final int PAGE = 1000;
  private static final int MAX_LINE = 1 << 20;

  private final ApiContext api;

  EmbeddingsHandlers(ApiContext api) {
    this.api = api;
  }

  void export(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    api.store().collectionModel(collection).onComplete(ar -> {
      if (ar.failed()) {
        Errors.fail(ctx, ar.cause());
        return;
      }
      JsonObject model = ar.result();
      if (model == null) {
        Errors.send(ctx, Failure.NOT_FOUND, "no collection '" + collection + "'");
        return;
      }
      HttpServerResponse res = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
      res.write(new JsonObject().put("format", FORMAT).put("version", VERSION).put("collection", collection)
          .put("modelId", model.getString("modelId")).put("dimension", model.getInteger("dimension")).put("faces", model.getLong("faces"))
          .encode() + "\n");
      page(ctx, collection, null);
    });
  }

  private void page(RoutingContext ctx, String collection, UUID after) {
    HttpServerResponse res = ctx.response();
    api.store().exportPage(collection, after, PAGE).onComplete(ar -> {
      if (ar.failed()) {
        res.reset(); // headers are gone: breaking the stream is the only honest signal left
        return;
      }
      Buffer chunk = Buffer.buffer();
      UUID last = after;
      for (Row r : ar.result()) {
        last = r.getUUID(0);
        chunk.appendString(new JsonObject().put("faceId", last.toString()).put("subjectId", r.getUUID(1).toString())
            .put("subject", r.getString(2)).put("embedding", Base64.getEncoder().encodeToString(r.getBuffer(4).getBytes())).encode())
            .appendString("\n");
      }
      if (ar.result().size() < PAGE) {
        res.end(chunk);
        return;
      }
      UUID next = last;
      res.write(chunk);
      if (res.writeQueueFull()) {
        res.drainHandler(v -> page(ctx, collection, next));
      } else {
        page(ctx, collection, next);
      }
    });
  }

  void importAll(RoutingContext ctx) {
    String collection = Guards.collection(ctx, ctx.pathParam("name"));
    String type = ImageUpload.contentType(ctx.request());
    if (!type.equals("application/x-ndjson") && !type.equals("application/jsonl")) {
      throw new FaceException(Failure.UNSUPPORTED_MEDIA_TYPE, "send NDJSON with Content-Type: application/x-ndjson");
    }
    new Import(ctx, collection).start();
  }

  /** One import: parses lines, commits batches, answers one progress line per committed batch. */
  private final class Import {
    private final RoutingContext ctx;
    private final String collection;
    private final RecordParser parser;
    private final List<ImportedFace> batch = new ArrayList<>();
    private int dimension = -1;
    private long line;
    private long imported;
    private long skipped;
    private int batches;
    private boolean failed;
    private boolean ended;
    private boolean committing;

    Import(RoutingContext ctx, String collection) {
      this.ctx = ctx;
      this.collection = collection;
      this.parser = RecordParser.newDelimited("\n", ctx.request()).maxRecordSize(MAX_LINE);
    }

    void start() {
      ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
      parser.handler(this::line);
      parser.exceptionHandler(t -> fail(new FaceException(Failure.INVALID_REQUEST, "line " + (line + 1) + " is longer than "
          + MAX_LINE + " bytes or the upload broke off")));
      parser.endHandler(v -> {
        ended = true;
        if (!committing) {
          commit(true);
        }
      });
      ctx.request().resume();
    }

    private void line(Buffer b) {
      if (failed) {
        return;
      }
      line++;
      String text = b.toString().strip();
      if (text.isEmpty()) {
        return;
      }
      try {
        JsonObject j = new JsonObject(text);
        if (dimension < 0) {
          header(j);
          return;
        }
        byte[] bytes = Base64.getDecoder().decode(j.getString("embedding", ""));
        float[] v = Vectors.fromBytes(bytes);
        if (v.length != dimension || bytes.length != dimension * 4) {
          throw new FaceException(Failure.INVALID_REQUEST, "line " + line + ": the embedding has " + bytes.length + " bytes, expected "
              + dimension * 4);
        }
        batch.add(new ImportedFace(UUID.fromString(j.getString("faceId")), UUID.fromString(j.getString("subjectId")),
            j.getString("subject"), v));
      } catch (FaceException e) {
        fail(e);
        return;
      } catch (RuntimeException e) {
        fail(new FaceException(Failure.INVALID_REQUEST, "line " + line + " is not a face record: " + e.getMessage()));
        return;
      }
      if (batch.size() >= BATCH) {
        parser.pause();
        commit(false);
      }
    }

    private void header(JsonObject j) {
      if (!FORMAT.equals(j.getString("format")) || j.getInteger("version", 0) != VERSION) {
        throw new FaceException(Failure.INVALID_REQUEST, "the first line must be the header {\"format\":\"" + FORMAT + "\",\"version\":" + VERSION + ",...}");
      }
      if (!api.modelId().equals(j.getString("modelId"))) {
        throw new FaceException(Failure.MODEL_MISMATCH, "the embeddings were made by '" + j.getString("modelId") + "'; this service uses '"
            + api.modelId() + "': embeddings of different recognizers are never mixed");
      }
      dimension = j.getInteger("dimension", -1);
      if (dimension != api.dimension()) {
        throw new FaceException(Failure.MODEL_MISMATCH, "the header says " + dimension + " floats per embedding; the model makes " + api.dimension());
      }
    }

    /** Commits the batch, tells the replicas, acknowledges it on the answer stream, then reads on. */
    private void commit(boolean last) {
      if (failed) {
        return;
      }
      if (dimension < 0) {
        fail(new FaceException(Failure.INVALID_REQUEST, "the body holds no header line"));
        return;
      }
      List<ImportedFace> todo = List.copyOf(batch);
      batch.clear();
      committing = true;
      Future<Void> done = todo.isEmpty() ? Future.succeededFuture() : api.store().importBatch(collection, api.modelId(), todo)
          .compose(w -> {
            imported += w.value().size();
            skipped += todo.size() - w.value().size();
            batches++;
            List<IndexChange.Entry> adds = w.value().stream().map(f -> new IndexChange.Entry(f.faceId(), f.subjectId(), f.vector())).toList();
            return api.index().publish(new IndexChange(w.seq(), collection, w.shards(), IndexChange.Op.ADD, adds, List.of()))
                .map(v -> {
                  ctx.response().write(new JsonObject().put("batch", batches).put("imported", w.value().size())
                      .put("skipped", todo.size() - w.value().size()).put("lastFaceId", todo.get(todo.size() - 1).faceId().toString())
                      .put("seq", w.seq()).encode() + "\n");
                  return null;
                });
          });
      done.onComplete(ar -> {
        committing = false;
        if (ar.failed()) {
          fail(ar.cause());
        } else if (last || ended) {
          if (ended && !last) {
            commit(true);
            return;
          }
          ctx.response().end(new JsonObject().put("done", true).put("collection", collection).put("imported", imported)
              .put("skipped", skipped).put("batches", batches).encode() + "\n");
        } else {
          parser.resume();
        }
      });
    }

    /** Before any answer line: a plain error. After: a last line with the error, committed batches stay. */
    private void fail(Throwable t) {
      if (failed) {
        return;
      }
      failed = true;
      Throwable f = Failure.fromBus(t);
      FaceException fe = f instanceof FaceException x ? x : new FaceException(Failure.INTERNAL, "import failed", f);
      if (!ctx.response().headWritten()) {
        ctx.response().setChunked(false);
        ctx.response().headers().remove("Transfer-Encoding");
        Errors.fail(ctx, fe);
      } else {
        ctx.response().end(new JsonObject().put("error", new JsonObject().put("code", fe.failure().name()).put("message", fe.getMessage())
            .put("imported", imported).put("batches", batches)).encode() + "\n");
      }
      ctx.request().resume(); // drain what is left of the upload
    }
  }
}
