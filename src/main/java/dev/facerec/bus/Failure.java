package dev.facerec.bus;

/**
 * Every failure the service reports, with its stable code and HTTP status. The code is the contract
 * clients rely on; docs/errors.md lists each one. Event-bus replies fail with {@link #ordinal()}-free
 * codes: {@code ReplyException.failureCode()} carries {@link #httpStatus()} and the message starts with
 * {@code CODE: }, so a reply can be mapped back with {@link #fromReplyMessage(String)}.
 */
public enum Failure {
  INVALID_REQUEST(400, "The request is malformed: a parameter, a field or the JSON body is wrong."),
  MALFORMED_JSON(400, "The body is not valid JSON."),
  TARGET_RATE_MISMATCH(400, "A rate for the other kind of decision: identify (1:N) takes targetFpir, verify (1:1) takes targetFmr."),
  MISSING_IMAGE(400, "No image was sent: use a multipart field 'file' or a raw image body."),
  IMAGE_CORRUPT(400, "The image is corrupt or truncated and cannot be decoded."),
  MALFORMED_MULTIPART(400, "The multipart body cannot be parsed: no boundary, another boundary than declared, or parts cut short."),
  UNAUTHENTICATED(401, "Credentials are missing or invalid."),
  FORBIDDEN(403, "The credentials do not allow this operation: a role is missing or the collection is another one."),
  CORS_ORIGIN_REFUSED(403, "The request's Origin is not one of CORS_ORIGINS."),
  NOT_FOUND(404, "No such route."),
  SUBJECT_NOT_FOUND(404, "No subject with this id."),
  FACE_NOT_FOUND(404, "No face with this id for this subject."),
  KEY_NOT_FOUND(404, "No API key with this id."),
  NODE_NOT_FOUND(404, "No cluster member with this name or id."),
  METHOD_NOT_ALLOWED(405, "The route does not accept this method."),
  DUPLICATE_IDENTITY(409, "The face already matches another subject of the collection."),
  MODEL_MISMATCH(409, "The collection's embeddings were made by another recognizer."),
  SUBJECT_EXISTS(409, "A subject with this name already exists in the collection (the CompreFace-compatible API addresses subjects by name)."),
  IMAGE_TOO_LARGE(413, "The image's width or height is over MAX_IMAGE_DIMENSION."),
  IMAGE_TOO_MANY_PIXELS(413, "The image's width x height is over MAX_IMAGE_PIXELS (read from the header)."),
  BODY_TOO_LARGE(413, "The request body is over MAX_BODY_BYTES."),
  MULTIPART_TOO_MANY_PARTS(413, "The multipart body holds more parts than accepted."),
  MULTIPART_PART_TOO_LARGE(413, "A multipart part's headers (names included), or a plain field, are over the accepted size."),
  UNSUPPORTED_MEDIA_TYPE(415, "The image type is not jpeg, png, webp or bmp."),
  NO_FACE(422, "No face was found in the image."),
  MULTIPLE_FACES(422, "Several faces were found and none is clearly the subject."),
  FACE_TOO_SMALL(422, "The face is smaller than the enrollment minimum."),
  FACE_LOW_SCORE(422, "The detector's confidence in the face is below the enrollment minimum."),
  FACE_BLURRED(422, "The face is too blurred to enroll."),
  FACE_POSE(422, "The head is turned or tilted too far from frontal to enroll."),
  TOO_MANY_FACES(422, "The image holds more faces than MAX_FACES_PER_IMAGE."),
  RATE_LIMITED(429, "Too many requests for this key (or, without credentials, this address)."),
  AUTH_THROTTLED(429, "Too many failed authentication attempts from this address; wait for Retry-After."),
  WS_CONNECTION_LIMIT(429, "The key already holds WS_MAX_CONNECTIONS_PER_KEY open WebSockets."),
  WS_TOO_MANY_IN_FLIGHT(429, "A WebSocket frame was dropped: WS_MAX_IN_FLIGHT frames are already in flight."),
  WS_FRAME_TOO_LARGE(413, "A WebSocket frame is over WS_MAX_FRAME_BYTES."),
  INTERNAL(500, "An internal error; the request id locates it in the logs."),
  OVERLOADED(503, "The inference queue is full; retry later."),
  INFERENCE_TIMEOUT(503, "Inference did not answer in time; retry later."),
  REQUEST_TIMEOUT(503, "The request was not answered within REQUEST_TIMEOUT_MS; retry later."),
  DATABASE_UNAVAILABLE(503, "The database cannot be reached."),
  JWT_KEYS_UNAVAILABLE(503, "The identity provider's signing keys could not be fetched yet; retry later."),
  INDEX_UNAVAILABLE(503, "No replica of some index shard answered, or this node is cut off from the cluster majority; retry later."),
  NODE_UNAVAILABLE(503, "A cluster node that had to answer did not (gone, draining or too slow); retry later.");

  private final int httpStatus;
  private final String description;

  Failure(int httpStatus, String description) {
    this.httpStatus = httpStatus;
    this.description = description;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String description() {
    return description;
  }

  /** The message of an event-bus reply failure: {@code CODE: message}. */
  public String replyMessage(String message) {
    return name() + ": " + message;
  }

  /** Maps a reply failure message made by {@link #replyMessage(String)} back to its code, else {@code INTERNAL}. */
  public static Failure fromReplyMessage(String message) {
    if (message != null) {
      int colon = message.indexOf(':');
      if (colon > 0) {
        try {
          return Failure.valueOf(message.substring(0, colon));
        } catch (IllegalArgumentException ignored) {
          // not one of ours
        }
      }
    }
    return INTERNAL;
  }

  /**
   * Any failure of an event-bus request as the documented code: a reply carrying one of ours keeps it; no
   * handler, a lost connection or a timeout is {@link #NODE_UNAVAILABLE}; anything else passes through.
   */
  public static Throwable fromBus(Throwable t) {
    if (t instanceof io.vertx.core.eventbus.ReplyException re) {
      return switch (re.failureType()) {
        case RECIPIENT_FAILURE -> new FaceException(fromReplyMessage(re.getMessage()), detailOf(re.getMessage()));
        case TIMEOUT -> new FaceException(NODE_UNAVAILABLE, "a cluster node did not answer in time");
        default -> new FaceException(NODE_UNAVAILABLE, "no cluster node could take the request");
      };
    }
    return t;
  }

  /** The human part of a reply failure message. */
  public static String detailOf(String message) {
    if (message == null) {
      return "";
    }
    int colon = message.indexOf(':');
    return colon > 0 && fromReplyMessage(message) != INTERNAL ? message.substring(colon + 1).trim() : message;
  }
}
