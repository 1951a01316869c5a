package dev.facerec.bus;

/**
 * Every event-bus address, shaped {@code faces.<capability>.<action>}. Code and tests use these constants.
 * Three kinds, by who answers:
 *
 * <ul>
 *   <li>One node's own verticles ({@link #node(String, String)}: {@code faces.node.<nodeId>.<action>}). A
 *       caller picks the node: inference and index requests are routed by the caller, so a full or dead
 *       node is skipped and the local one is preferred; status questions go to each node in turn.
 *   <li>Local workers ({@link #DETECT}, {@link #EMBED}, {@link #INFERENCE_INFO}): registered with
 *       {@code localConsumer}, reached only through the node's inference gate.
 *   <li>Cluster-wide commands ({@code faces.admin.*}): any node takes the command and asks every node;
 *       {@link #SECURITY_KEY_REVOKED} is published to every node.
 * </ul>
 */
public final class Addresses {
  /** Local: {@link InferenceRequest} → {@link InferenceResult} without embeddings. */
  public static final String DETECT = "faces.detect.compute";
  /** Local: {@link InferenceRequest} → {@link InferenceResult} with an embedding per face. */
  public static final String EMBED = "faces.embed.compute";
  /** Local: any body → JSON {@code {"profile", "modelId", "dimension"}} from a loaded worker. */
  public static final String INFERENCE_INFO = "faces.embed.info";

  /** Node-scoped: {@link InferenceRequest} → {@link InferenceResult}; OVERLOADED at once when the node is full. */
  public static final String INFER_DETECT = "inference.detect";
  public static final String INFER_EMBED = "inference.embed";
  /** Node-scoped: {@link SearchRequest} → {@link SearchResult}; INDEX_UNAVAILABLE while the replica is not ready. */
  public static final String INDEX_SEARCH = "index.search";
  /** Node-scoped: {@link IndexChange} → JSON {@code {"seq"}} once this replica has applied it (and all before it). */
  public static final String INDEX_APPLY = "index.apply";
  /** Node-scoped: any → JSON replica status: applied sequence number, per-collection size and checksum. */
  public static final String INDEX_STATUS = "index.status";
  /** Node-scoped: JSON {@code {"collection"?}} → JSON {@code {"rebuilt": [...]}}. */
  public static final String INDEX_REBUILD = "index.rebuild";
  /** Node-scoped: any → JSON node status (roles, readiness, queues, index). */
  public static final String NODE_STATUS = "status";
  /** Node-scoped: any → JSON once the node stopped taking work; it then finishes what is in flight and leaves. */
  public static final String NODE_DRAIN = "drain";

  /** Operator command: JSON {@code {"collection"?}} → JSON {@code {"nodes": [...]}}: every index replica rebuilds. */
  public static final String ADMIN_INDEX_REBUILD = "faces.admin.index.rebuild";
  /** Operator command: any → JSON {@code {"members": [...]}}: every node's status. */
  public static final String ADMIN_CLUSTER_STATUS = "faces.admin.cluster.status";
  /** Operator command: JSON {@code {"node"}} (id or name) → JSON: that node drains and leaves. */
  public static final String ADMIN_NODE_DRAIN = "faces.admin.node.drain";

  /**
   * Published by every index node each second and on change: JSON {@code {"node", "appliedSeq", "counts",
   * "ready", "placement"}}, the shards it holds ready and where the placement puts each shard.
   */
  public static final String INDEX_SHARDS = "faces.index.shards";

  /** Published JSON {@code {"keyId"}} once an API key is revoked; every node drops it and closes its WebSockets. */
  public static final String SECURITY_KEY_REVOKED = "faces.security.key.revoked";

  /**
   * Published after a committed write, JSON {@code {"subject", "name"}} (name null once deleted) or
   * {@code {"collection", "settings"}}: every api node keeps what identify needs to answer while the database is away.
   */
  public static final String GALLERY_FACTS = "faces.gallery.facts";

  private Addresses() {}

  /** The address of {@code action} on one node. */
  public static String node(String nodeId, String action) {
    return "faces.node." + nodeId + "." + action;
  }
}
