package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.jdbc.JdbcIdempotencyStore;
import dev.closedloop.sync.jdbc.PostgresRealtimeBus;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.redis.RedisIdempotencyStoreBuilder;
import dev.closedloop.sync.redis.RedisRealtimeBus;
import dev.closedloop.sync.redis.RedisRealtimeBusBuilder;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Chooses and builds the store and the bus. The Redis and JDBC classes are named only inside
 * {@link Redis} and {@link Jdbc}, which the JVM loads only when that backend is chosen, so an
 * application without {@code sync-redis} or {@code sync-jdbc} never needs them.
 *
 * <p>The {@code DataSource} is looked up only when a JDBC backend is chosen or the default rule
 * gets that far, so an application that sets {@code store=memory} never creates one.
 *
 * <p>Every failure is a {@link BackendStartupException} that names the property that chose the
 * backend; a chosen backend that fails is never replaced by memory.
 */
final class Backends {
  static final String STORE = "closedloop.idempotency.store";
  static final String BUS = "closedloop.realtime.bus";
  private static final String REDIS_CLASS = "dev.closedloop.sync.redis.RedisIdempotencyStore";
  private static final String JDBC_CLASS = "dev.closedloop.sync.jdbc.JdbcIdempotencyStore";

  private Backends() {}

  /** A backend and why: the property value as the user sees it, and what made it the default. */
  record Choice<T extends Enum<T>>(T kind, String property, @Nullable String because) {
    String describe() {
      String value = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      return property + "=" + value + (because != null ? " (the default, because " + because + ")" : "");
    }
  }

  static Choice<IdempotencyProperties.Store> store(IdempotencyProperties.@Nullable Store set,
      RedisConnection redis, Supplier<@Nullable DataSource> dataSource, @Nullable ClassLoader loader) {
    if (set != null) {
      return new Choice<>(set, STORE, null);
    }
    if (redis.configured() && present(REDIS_CLASS, loader)) {
      return new Choice<>(IdempotencyProperties.Store.REDIS, STORE, redis.configuredBy + " is set");
    }
    if (present(JDBC_CLASS, loader) && dataSource.get() != null) {
      return new Choice<>(IdempotencyProperties.Store.JDBC, STORE, "there is a DataSource");
    }
    return new Choice<>(IdempotencyProperties.Store.MEMORY, STORE, null);
  }

  static Choice<RealtimeProperties.Bus> bus(RealtimeProperties.@Nullable Bus set, RedisConnection redis,
      Supplier<@Nullable DataSource> dataSource, @Nullable ClassLoader loader) {
    if (set != null) {
      return new Choice<>(set, BUS, null);
    }
    if (redis.configured() && present(REDIS_CLASS, loader)) {
      return new Choice<>(RealtimeProperties.Bus.REDIS, BUS, redis.configuredBy + " is set");
    }
    if (present(JDBC_CLASS, loader) && dataSource.get() != null) {
      return new Choice<>(RealtimeProperties.Bus.POSTGRES, BUS, "there is a DataSource");
    }
    return new Choice<>(RealtimeProperties.Bus.IN_PROCESS, BUS, null);
  }

  static IdempotencyStore buildStore(Choice<IdempotencyProperties.Store> choice, IdempotencyProperties p,
      RedisConnection redis, Supplier<@Nullable DataSource> dataSource, @Nullable ClassLoader loader) {
    switch (choice.kind()) {
      case MEMORY:
        return InMemoryIdempotencyStore.ofDefaults();
      case REDIS:
        need(REDIS_CLASS, "dev.closedloop:sync-redis", choice, loader);
        try {
          return Redis.store(p, redis);
        } catch (RuntimeException e) {
          throw new BackendStartupException(choice.describe() + ": could not connect to Redis at " + redis.describe()
              + " (from spring.data.redis.*): " + e.getMessage(), "Start Redis where spring.data.redis.* points, point spring.data.redis.* at a running Redis, or set " + choice.property() + " to another value.", e);
        }
      case JDBC:
      default:
        need(JDBC_CLASS, "dev.closedloop:sync-jdbc", choice, loader);
        DataSource ds = dataSource(dataSource, choice);
        try {
          return Jdbc.store(p, ds);
        } catch (RuntimeException e) {
          throw new BackendStartupException(choice.describe() + ": could not set up table " + p.getTableName()
              + " through the DataSource: " + e.getMessage(), "Check spring.datasource.* and that the database is up,"
              + " or create the table with the shipped script and set closedloop.idempotency.create-schema=false.", e);
        }
    }
  }

  static RealtimeBus buildBus(Choice<RealtimeProperties.Bus> choice, RealtimeProperties p, RedisConnection redis,
      Supplier<@Nullable DataSource> dataSource, @Nullable ClassLoader loader) {
    switch (choice.kind()) {
      case IN_PROCESS:
        return InProcessRealtimeBus.create();
      case REDIS:
        need(REDIS_CLASS, "dev.closedloop:sync-redis", choice, loader);
        try {
          return Redis.bus(p, redis);
        } catch (RuntimeException e) {
          throw new BackendStartupException(choice.describe() + ": could not connect to Redis at " + redis.describe()
              + " (from spring.data.redis.*): " + e.getMessage(), "Start Redis where spring.data.redis.* points, point spring.data.redis.* at a running Redis, or set " + choice.property() + " to another value.", e);
        }
      case POSTGRES:
      default:
        need(JDBC_CLASS, "dev.closedloop:sync-jdbc", choice, loader);
        DataSource ds = dataSource(dataSource, choice);
        try {
          return Jdbc.bus(p, ds);
        } catch (RuntimeException e) {
          throw new BackendStartupException(choice.describe() + ": could not set up outbox table " + p.getTableName()
              + " through the DataSource: " + e.getMessage(), "Check spring.datasource.* and that the database is up,"
              + " or create the table with the shipped script and set closedloop.realtime.create-schema=false.", e);
        }
    }
  }

  private static DataSource dataSource(Supplier<@Nullable DataSource> supplier, Choice<?> choice) {
    DataSource dataSource = supplier.get();
    if (dataSource == null) {
      throw new BackendStartupException(choice.describe() + " needs a DataSource",
          "Configure spring.datasource.url or define a DataSource bean, or set " + choice.property() + " to another value.");
    }
    return dataSource;
  }

  private static void need(String className, String artifact, Choice<?> choice, @Nullable ClassLoader loader) {
    if (!present(className, loader)) {
      throw new BackendStartupException(choice.describe() + " needs " + artifact + " on the classpath",
          "Add the dependency " + artifact + ", or set " + choice.property() + " to another value.");
    }
  }

  /** Whether the application's class loader (the context's) sees the class. */
  static boolean present(String className, @Nullable ClassLoader loader) {
    return ClassUtils.isPresent(className, loader);
  }

  /** Loaded only when a Redis backend is chosen and sync-redis is present. */
  private static final class Redis {
    static IdempotencyStore store(IdempotencyProperties p, RedisConnection redis) {
      RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder().keyPrefix(p.getKeyPrefix());
      if (redis.uri != null) {
        b.uri(redis.uri);
      } else {
        b.clusterUris(redis.clusterUris.toArray(String[]::new));
      }
      if (redis.timeout != null) {
        b.commandTimeout(redis.timeout);
      }
      return b.build();
    }

    static RealtimeBus bus(RealtimeProperties p, RedisConnection redis) {
      RedisRealtimeBusBuilder b = RedisRealtimeBus.builder().keyPrefix(p.getKeyPrefix());
      if (redis.uri != null) {
        b.uri(redis.uri);
      } else {
        b.clusterUris(redis.clusterUris.toArray(String[]::new));
      }
      if (redis.timeout != null) {
        b.commandTimeout(redis.timeout);
      }
      return b.build();
    }
  }

  /** Loaded only when a JDBC backend is chosen and sync-jdbc is present. */
  private static final class Jdbc {
    static IdempotencyStore store(IdempotencyProperties p, DataSource ds) {
      return JdbcIdempotencyStore.builder().dataSource(ds).tableName(p.getTableName())
          .createSchema(p.isCreateSchema()).build();
    }

    static RealtimeBus bus(RealtimeProperties p, DataSource ds) {
      return PostgresRealtimeBus.builder().dataSource(ds).tableName(p.getTableName())
          .createSchema(p.isCreateSchema()).build();
    }
  }
}
