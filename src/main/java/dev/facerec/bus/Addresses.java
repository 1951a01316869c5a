package dev.facerec.bus;

/**
 * Every event-bus address, shaped {@code faces.<capability>.<action>}. Code and tests use these constants.
 *
 * <ul>
 *   <li>{@link #DETECT}: {@link InferenceRequest} → {@link InferenceResult} without embeddings.
 *   <li>{@link #EMBED}: {@link InferenceRequest} → {@link InferenceResult} with an embedding per face.
 *   <li>{@link #INDEX_SEARCH}: {@link SearchRequest} → {@link SearchResult}.
 *   <li>{@link #INDEX_UPDATE}: {@link IndexUpdate} → empty reply once applied.
 *   <li>{@link #INDEX_STATUS}: any → JSON {@code {"collections": [...]}}.
 *   <li>{@link #ADMIN_INDEX_REBUILD}: JSON {@code {"collection"?}} → JSON {@code {"rebuilt": [...]}}, an
 *       operator command: rebuild from PostgreSQL.
 *   <li>{@link #SECURITY_KEY_REVOKED}: published JSON {@code {"keyId"}} once an API key is revoked; every
 *       node drops it from its key cache and closes the WebSockets opened with it.
 * </ul>
 */
public final class Addresses {
  public static final String DETECT = "faces.detect.compute";
  public static final String EMBED = "faces.embed.compute";
  /** Any body → JSON {@code {"profile", "modelId", "dimension"}} from a loaded worker (health and start-up). */
  public static final String INFERENCE_INFO = "faces.embed.info";
  public static final String INDEX_SEARCH = "faces.index.search";
  public static final String INDEX_UPDATE = "faces.index.update";
  public static final String INDEX_STATUS = "faces.index.status";
  public static final String ADMIN_INDEX_REBUILD = "faces.admin.index.rebuild";
  public static final String SECURITY_KEY_REVOKED = "faces.security.key.revoked";

  private Addresses() {}
}
