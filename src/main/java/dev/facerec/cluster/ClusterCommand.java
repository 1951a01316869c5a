package dev.facerec.cluster;

import dev.facerec.bus.Addresses;
import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigException;
import dev.facerec.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code cluster status | rebuild [--collection C] | drain --node N}: joins the cluster as a Hazelcast lite
 * member (it holds no data and deploys nothing), sends the operator command on the event bus, prints the
 * answer as JSON and leaves. It reads the nodes' own configuration (CLUSTER_MEMBERS, CLUSTER_CONFIG, ...).
 */
public final class ClusterCommand {
  private ClusterCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || !java.util.List.of("status", "rebuild", "drain").contains(args[0])) {
      err.println("usage: cluster status | cluster rebuild [--collection C] | cluster drain --node NAME_OR_ID");
      return 2;
    }
    String collection = option(args, "--collection");
    String node = option(args, "--node");
    if (args[0].equals("drain") && node == null) {
      err.println("cluster drain needs --node NAME_OR_ID (see `cluster status`)");
      return 2;
    }
    AppConfig.Cluster c;
    try {
      // The CLI runs no role and needs no database: only the cluster settings are read.
      Map<String, String> env = new HashMap<>(System.getenv());
      env.remove("CLUSTER_ENABLED");
      env.remove("NODE_ROLES");
      env.remove("DATABASE_URL");
      env.remove("DATABASE_URL_FILE");
      c = ConfigLoader.load(env).cluster();
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return 2;
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcast(c, true));
    Vertx vertx = null;
    try {
      vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost(c.host()).setPort(0)
              .setClusterNodeMetadata(new JsonObject().put("cli", true))))
          .withClusterManager(manager).buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      String address;
      JsonObject body = new JsonObject();
      long timeout = 30_000;
      switch (args[0]) {
        case "status" -> address = Addresses.ADMIN_CLUSTER_STATUS;
        case "rebuild" -> {
          address = Addresses.ADMIN_INDEX_REBUILD;
          if (collection != null) {
            body.put("collection", collection);
          }
          timeout = 600_000;
        }
        default -> {
          address = Addresses.ADMIN_NODE_DRAIN;
          body.put("node", node);
        }
      }
      JsonObject answer = retryNoHandlers(vertx, address, body, timeout);
      out.println(answer.encodePrettily());
      return 0;
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      err.println("cluster " + args[0] + " failed: " + (cause instanceof ReplyException re ? re.failureType() + " " + re.getMessage() : cause));
      return 1;
    } catch (Exception e) {
      err.println("cluster " + args[0] + " failed: " + e);
      return 1;
    } finally {
      if (vertx != null) {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // leaving anyway
        }
      }
    }
  }

  /** Right after joining, the nodes' subscriptions may not be visible yet: a few retries cover that. */
  private static JsonObject retryNoHandlers(Vertx vertx, String address, JsonObject body, long timeout) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeout))
            .toCompletionStage().toCompletableFuture().get(timeout + 5000, TimeUnit.MILLISECONDS).body();
      } catch (java.util.concurrent.ExecutionException e) {
        if (attempt < 20 && e.getCause() instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
          Thread.sleep(250);
          continue;
        }
        throw e;
      }
    }
  }

  private static String option(String[] args, String name) {
    for (int i = 1; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return null;
  }
}
