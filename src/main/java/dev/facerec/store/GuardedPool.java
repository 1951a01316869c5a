package dev.facerec.store;

import dev.facerec.store.DatabaseGuard.Retry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.TransactionPropagation;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collector;

/**
 * A {@link Pool} whose every statement and transaction goes through a {@link DatabaseGuard}, so the stores
 * (gallery, API keys, change log) get the breaker and the retries without a line of their own. A single
 * statement starting with SELECT is retried as a read; anything else, and each transaction as a whole, only
 * when no connection could be had.
 */
public final class GuardedPool implements Pool {
  private final Pool pool;
  private final DatabaseGuard guard;

  public GuardedPool(Pool pool, DatabaseGuard guard) {
    this.pool = pool;
    this.guard = guard;
  }

  public DatabaseGuard guard() {
    return guard;
  }

  @Override
  public Future<SqlConnection> getConnection() {
    return guard.call(Retry.WRITE, pool::getConnection);
  }

  @Override
  public <T> Future<T> withTransaction(Function<SqlConnection, Future<T>> function) {
    return guard.call(Retry.WRITE, () -> pool.withTransaction(function));
  }

  @Override
  public <T> Future<T> withTransaction(TransactionPropagation propagation, Function<SqlConnection, Future<T>> function) {
    return guard.call(Retry.WRITE, () -> pool.withTransaction(propagation, function));
  }

  @Override
  public <T> Future<T> withConnection(Function<SqlConnection, Future<T>> function) {
    return guard.call(Retry.WRITE, () -> pool.withConnection(function));
  }

  @Override
  public Query<RowSet<Row>> query(String sql) {
    return new GuardedQuery<>(() -> pool.query(sql), retry(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
    return new GuardedPrepared<>(() -> pool.preparedQuery(sql), retry(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
    return new GuardedPrepared<>(() -> pool.preparedQuery(sql, options), retry(sql));
  }

  @Override
  public int size() {
    return pool.size();
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static Retry retry(String sql) {
    return sql.stripLeading().toUpperCase(Locale.ROOT).startsWith("SELECT") ? Retry.READ : Retry.WRITE;
  }

  private class GuardedQuery<T> implements Query<T> {
    final java.util.function.Supplier<? extends Query<T>> query;
    final Retry retry;

    GuardedQuery(java.util.function.Supplier<? extends Query<T>> query, Retry retry) {
      this.query = query;
      this.retry = retry;
    }

    @Override
    public Future<T> execute() {
      return guard.call(retry, () -> query.get().execute());
    }

    @Override
    public <R> Query<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      return new GuardedQuery<>(() -> query.get().collecting(collector), retry);
    }

    @Override
    public <U> Query<RowSet<U>> mapping(Function<Row, U> mapper) {
      return new GuardedQuery<>(() -> query.get().mapping(mapper), retry);
    }
  }

  private final class GuardedPrepared<T> implements PreparedQuery<T> {
    final java.util.function.Supplier<PreparedQuery<T>> query;
    final Retry retry;

    GuardedPrepared(java.util.function.Supplier<PreparedQuery<T>> query, Retry retry) {
      this.query = query;
      this.retry = retry;
    }

    @Override
    public Future<T> execute() {
      return guard.call(retry, () -> query.get().execute());
    }

    @Override
    public Future<T> execute(Tuple tuple) {
      return guard.call(retry, () -> query.get().execute(tuple));
    }

    @Override
    public Future<T> executeBatch(List<Tuple> batch) {
      return guard.call(retry, () -> query.get().executeBatch(batch));
    }

    @Override
    public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      return new GuardedPrepared<>(() -> query.get().collecting(collector), retry);
    }

    @Override
    public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
      return new GuardedPrepared<>(() -> query.get().mapping(mapper), retry);
    }
  }
}
