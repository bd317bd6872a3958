package dev.closedloop.sync.spring.boot;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code closedloop.realtime.*} properties: which bus carries change events between nodes and
 * where the Server-Sent Events stream is served.
 *
 * <p>This class is not threadsafe: Spring binds it once at startup.
 */
@ConfigurationProperties("closedloop.realtime")
public class RealtimeProperties {

  /** What carries change events. */
  public enum Bus {
    /** This process only. */
    IN_PROCESS,
    /** Redis Streams, from Spring Boot's {@code spring.data.redis.*} settings (needs {@code sync-redis}). */
    REDIS,
    /** A PostgreSQL outbox table and NOTIFY, through the application's {@code DataSource} (needs {@code sync-jdbc}). */
    POSTGRES
  }

  /** Whether the realtime bus and the SSE servlet are configured. */
  private boolean enabled = true;

  /** Path of the Server-Sent Events stream (GET path?topics=a,b). */
  private String path = "/events";

  /**
   * What carries change events. Default: redis when a Redis connection is configured and
   * sync-redis is present, else postgres when there is a DataSource and sync-jdbc is present, else
   * in-process.
   */
  private @Nullable Bus bus;

  /** How long a stream may stay silent before it gets a heartbeat comment. */
  private Duration heartbeat = Duration.ofSeconds(15);

  /** Prefix of the Redis stream keys (redis bus). */
  private String keyPrefix = "cls:rt:";

  /** Outbox table, [schema.]name, of the postgres bus. */
  private String tableName = "cls_realtime_outbox";

  /** Whether the postgres bus creates its outbox table at startup if it is missing. */
  private boolean createSchema = true;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public @Nullable Bus getBus() {
    return bus;
  }

  public void setBus(@Nullable Bus bus) {
    this.bus = bus;
  }

  public Duration getHeartbeat() {
    return heartbeat;
  }

  public void setHeartbeat(Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  public String getKeyPrefix() {
    return keyPrefix;
  }

  public void setKeyPrefix(String keyPrefix) {
    this.keyPrefix = keyPrefix;
  }

  public String getTableName() {
    return tableName;
  }

  public void setTableName(String tableName) {
    this.tableName = tableName;
  }

  public boolean isCreateSchema() {
    return createSchema;
  }

  public void setCreateSchema(boolean createSchema) {
    this.createSchema = createSchema;
  }
}
