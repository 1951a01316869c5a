package dev.facerec.security;

import dev.facerec.config.AppConfig;
import dev.facerec.config.ConfigLoader;
import dev.facerec.store.ApiKeyStore;
import dev.facerec.store.Database;
import dev.facerec.store.DatabaseSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code keys create|list|revoke}: manages API keys straight in the database named by the same
 * configuration as the service. Running nodes see a CLI revocation within {@code KEY_CACHE_TTL_S} (the
 * admin API revokes at once).
 */
public final class KeysCommand {
  static final String USAGE = """
      Usage:
        keys create --role R [--role R2 | --role R1,R2] [--collection C] [--name N]
                              prints the new key once (roles: admin, enroll, recognize, detect)
        keys list             ids, roles, collections and state; never the secrets
        keys revoke ID        revokes a key
      """;

  private KeysCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help")) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    return ConfigLoader.runWithConfig(err, config -> run(config, args, out, err));
  }

  public static int run(AppConfig config, String[] args, PrintStream out, PrintStream err) {
    List<String> roles = new ArrayList<>();
    String collection = null;
    String name = null;
    String id = null;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      boolean hasValue = i + 1 < args.length;
      switch (a) {
        case "--role", "--roles" -> {
          if (!hasValue) {
            return usage(err, a + " needs a value");
          }
          for (String r : args[++i].split(",")) {
            roles.add(r.trim());
          }
        }
        case "--collection" -> {
          if (!hasValue) {
            return usage(err, a + " needs a value");
          }
          collection = args[++i];
        }
        case "--name" -> {
          if (!hasValue) {
            return usage(err, a + " needs a value");
          }
          name = args[++i];
        }
        default -> {
          if (a.startsWith("--") || id != null) {
            return usage(err, "unexpected argument '" + a + "'");
          }
          id = a;
        }
      }
    }
    String cmd = args[0];
    if (!List.of("create", "list", "revoke").contains(cmd)) {
      return usage(err, "unknown keys command '" + cmd + "'");
    }
    if (cmd.equals("create") && roles.isEmpty()) {
      return usage(err, "keys create needs --role");
    }
    if (cmd.equals("revoke") && id == null) {
      return usage(err, "keys revoke needs the key id");
    }
    if (collection != null && !collection.matches("[A-Za-z0-9_.-]{1,64}")) {
      return usage(err, "--collection must be 1-64 characters of letters, digits, '_', '.' or '-'");
    }
    Database db = null;
    Vertx vertx = null;
    try {
      db = Database.start(new DatabaseSettings(config.database().url(), config.dataDir(), 2,
          config.database().connectTimeoutMs()));
      vertx = Vertx.vertx();
      Pool pool = db.createPool(vertx);
      ApiKeyStore store = new ApiKeyStore(pool);
      Security security = new Security(vertx, config, store);
      switch (cmd) {
        case "create" -> {
          Security.CreatedKey k = await(security.createKey(roles, collection, name, "cli"));
          out.println("id:         " + k.record().id());
          out.println("roles:      " + String.join(",", k.record().roles()));
          out.println("collection: " + (k.record().collection() == null ? "* (all)" : k.record().collection()));
          out.println("key:        " + k.key());
          out.println("The key is shown this once; only its hash is stored.");
        }
        case "list" -> {
          out.printf("%-12s %-28s %-16s %-8s %-24s %s%n", "ID", "ROLES", "COLLECTION", "STATE", "CREATED", "NAME");
          for (ApiKeyStore.KeyRecord r : await(store.list())) {
            out.printf("%-12s %-28s %-16s %-8s %-24s %s%n", r.id(), String.join(",", r.roles()),
                r.collection() == null ? "*" : r.collection(), r.revoked() ? "revoked" : "active", r.createdAt(),
                r.name() == null ? "" : r.name());
          }
        }
        default -> {
          await(security.revoke(id, "cli"));
          out.println("revoked " + id);
        }
      }
      return 0;
    } catch (RuntimeException e) {
      err.println("keys " + cmd + ": " + e.getMessage());
      return 1;
    } finally {
      if (vertx != null) {
        vertx.close();
      }
      if (db != null) {
        db.close();
      }
    }
  }

  private static int usage(PrintStream err, String why) {
    err.println(why);
    err.print(USAGE);
    return 2;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
