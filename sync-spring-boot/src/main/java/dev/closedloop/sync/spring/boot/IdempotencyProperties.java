package dev.closedloop.sync.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code closedloop.idempotency.*} properties: which store keeps keys and responses, which
 * routes need a key, and the lease, retention and in-progress wait that the filter and the
 * plain-Java {@code Idempotency} share.
 *
 * <p>This class is not threadsafe: Spring binds it once at startup.
 */
@ConfigurationProperties("closedloop.idempotency")
public class IdempotencyProperties {

  /** Where keys and responses are kept. */
  public enum Store {
    /** In this process's memory: one node only, lost on restart. */
    MEMORY,
    /** Redis, from Spring Boot's {@code spring.data.redis.*} settings (needs {@code sync-redis}). */
    REDIS,
    /** PostgreSQL, through the application's {@code DataSource} (needs {@code sync-jdbc}). */
    JDBC
  }

  /** Whether the idempotency store, filter and API are configured. */
  private boolean enabled = true;

  /**
   * Servlet-style URL patterns (/api/*, /orders, *.json) that require an Idempotency-Key on POST,
   * PUT and PATCH; the filter is mapped on them. Empty: mapped on /*, a key is optional everywhere
   * (requests with one are applied once, others pass through).
   */
  private List<String> paths = new ArrayList<>();

  /**
   * Where keys and responses are kept. Default: redis when a Redis connection is configured
   * (spring.data.redis.url, host or cluster.nodes) and sync-redis is present, else jdbc when there
   * is a DataSource and sync-jdbc is present, else memory.
   */
  private @Nullable Store store;

  /** How long a completed response is kept and replayed. */
  private Duration retention = Duration.ofHours(24);

  /** How long a claim may stay in progress before another request may take it over. */
  private Duration lease = Duration.ofSeconds(30);

  /** How long a repeat waits for the first request to finish before it is answered 409. */
  private Duration inProgressWait = Duration.ZERO;

  /** Prefix of the Redis keys (redis store). */
  private String keyPrefix = "cls:idem:";

  /** Table, [schema.]name, of the jdbc store. */
  private String tableName = "cls_idempotency";

  /** Whether the jdbc store creates its table and index at startup if they are missing. */
  private boolean createSchema = true;

  /**
   * Order of the filter among the servlet filters. Default -90: after Spring Security's filter
   * chain (-100), so that the authenticated principal is the default scope.
   */
  private int filterOrder = -90;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public List<String> getPaths() {
    return paths;
  }

  public void setPaths(List<String> paths) {
    this.paths = paths;
  }

  public @Nullable Store getStore() {
    return store;
  }

  public void setStore(@Nullable Store store) {
    this.store = store;
  }

  public Duration getRetention() {
    return retention;
  }

  public void setRetention(Duration retention) {
    this.retention = retention;
  }

  public Duration getLease() {
    return lease;
  }

  public void setLease(Duration lease) {
    this.lease = lease;
  }

  public Duration getInProgressWait() {
    return inProgressWait;
  }

  public void setInProgressWait(Duration inProgressWait) {
    this.inProgressWait = inProgressWait;
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

  public int getFilterOrder() {
    return filterOrder;
  }

  public void setFilterOrder(int filterOrder) {
    this.filterOrder = filterOrder;
  }
}
