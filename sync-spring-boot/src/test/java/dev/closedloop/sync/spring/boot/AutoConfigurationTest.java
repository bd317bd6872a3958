package dev.closedloop.sync.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.jdbc.JdbcIdempotencyStore;
import dev.closedloop.sync.jdbc.PostgresRealtimeBus;
import dev.closedloop.sync.micrometer.IdempotencyStoreMetrics;
import dev.closedloop.sync.micrometer.RealtimeSseMetrics;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.redis.RedisRealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.time.Duration;
import java.util.EnumSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;

/** Every condition and property of the auto-configuration, without a server. */
class AutoConfigurationTest {
  private static final AutoConfigurations AUTO =
      AutoConfigurations.of(IdempotencyAutoConfiguration.class, RealtimeAutoConfiguration.class);

  private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(AUTO);
  private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(AUTO);

  @Test
  void defaultsAreMemoryAndInProcessWithTheFilterOnEveryPathAndTheStreamOnEvents() {
    web.run(context -> {
      assertThat(context).hasSingleBean(IdempotencyStore.class);
      assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(InMemoryIdempotencyStore.class);
      assertThat(context).hasSingleBean(Idempotency.class);
      assertThat(context.getBean(RealtimeBus.class)).isInstanceOf(InProcessRealtimeBus.class);
      assertThat(context).hasSingleBean(IdempotencyStoreMetrics.class);
      assertThat(context).hasSingleBean(RealtimeSseMetrics.class);
      IdempotencyFilter filter = context.getBean(IdempotencyFilter.class);
      assertThat(filter.store()).isSameAs(context.getBean(IdempotencyStore.class));
      FilterRegistrationBean<?> registration = context.getBean("idempotencyFilterRegistration", FilterRegistrationBean.class);
      assertThat(registration.getFilter()).isSameAs(filter);
      assertThat(registration.getUrlPatterns()).containsExactly("/*");
      assertThat(registration.getOrder()).isEqualTo(-90);
      assertThat(registration.isAsyncSupported()).isTrue();
      ServletRegistrationBean<?> sse = context.getBean("realtimeSseRegistration", ServletRegistrationBean.class);
      assertThat(sse.getServlet()).isSameAs(context.getBean(RealtimeSseServlet.class));
      assertThat(sse.getUrlMappings()).containsExactly("/events");
      assertThat(sse.isAsyncSupported()).isTrue();
    });
  }

  @Test
  void outsideAWebApplicationThereIsNoFilterAndNoServletButStoreApiAndBus() {
    plain.run(context -> {
      assertThat(context).hasSingleBean(IdempotencyStore.class);
      assertThat(context).hasSingleBean(Idempotency.class);
      assertThat(context).hasSingleBean(RealtimeBus.class);
      assertThat(context).doesNotHaveBean(IdempotencyFilter.class);
      assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
      assertThat(context).doesNotHaveBean(RealtimeSseServlet.class);
      assertThat(context).doesNotHaveBean(RealtimeSseMetrics.class);
    });
  }

  @Test
  void pathsOrderPathAndDurationsAreBound() {
    web.withPropertyValues("closedloop.idempotency.paths=/api/*,/orders",
            "closedloop.idempotency.filter-order=5",
            "closedloop.idempotency.lease=7s", "closedloop.idempotency.retention=2h",
            "closedloop.idempotency.in-progress-wait=1500ms", "closedloop.realtime.path=/stream",
            "closedloop.realtime.heartbeat=3s")
        .run(context -> {
          FilterRegistrationBean<?> registration = context.getBean("idempotencyFilterRegistration", FilterRegistrationBean.class);
          assertThat(registration.getUrlPatterns()).containsExactly("/api/*", "/orders");
          assertThat(registration.getOrder()).isEqualTo(5);
          IdempotencyProperties p = context.getBean(IdempotencyProperties.class);
          assertThat(p.getLease()).isEqualTo(Duration.ofSeconds(7));
          assertThat(p.getRetention()).isEqualTo(Duration.ofHours(2));
          assertThat(p.getInProgressWait()).isEqualTo(Duration.ofMillis(1500));
          ServletRegistrationBean<?> sse = context.getBean("realtimeSseRegistration", ServletRegistrationBean.class);
          assertThat(sse.getUrlMappings()).containsExactly("/stream");
          assertThat(context.getBean(RealtimeProperties.class).getHeartbeat()).isEqualTo(Duration.ofSeconds(3));
        });
  }

  @Test
  void theFilterIsMappedForRequestAndAsyncDispatches() {
    web.run(context -> {
      FilterRegistrationBean<?> registration = context.getBean("idempotencyFilterRegistration", FilterRegistrationBean.class);
      assertThat(dispatcherTypes(registration)).containsExactlyInAnyOrder(DispatcherType.REQUEST, DispatcherType.ASYNC);
    });
  }

  @Test
  void theIdempotencyApiUsesTheInProgressWait() {
    // A second execute of a key in progress waits for the first: with a wait bound, it returns
    // the first's result instead of failing at once.
    web.withPropertyValues("closedloop.idempotency.in-progress-wait=30s").run(context -> {
      Idempotency idempotency = context.getBean(Idempotency.class);
      java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      dev.closedloop.sync.idempotency.ResultCodec<String> codec = dev.closedloop.sync.idempotency.ResultCodec.utf8();
      java.util.concurrent.CompletableFuture<String> first = java.util.concurrent.CompletableFuture.supplyAsync(() ->
          idempotency.execute("s", "k", "f", () -> {
            running.countDown();
            await(release);
            return "done";
          }, codec));
      running.await();
      java.util.concurrent.CompletableFuture<String> second = java.util.concurrent.CompletableFuture.supplyAsync(() ->
          idempotency.execute("s", "k", "f", () -> "ran twice", codec));
      release.countDown();
      assertThat(first.get()).isEqualTo("done");
      assertThat(second.get()).isEqualTo("done");
    });
  }

  @Test
  void theIdempotencyApiAndTheFilterShareTheStore() {
    web.run(context -> {
      IdempotencyStore store = context.getBean(IdempotencyStore.class);
      long before = store.stats().claims();
      context.getBean(Idempotency.class).execute("jobs", "nightly", "f", () -> "ran",
          dev.closedloop.sync.idempotency.ResultCodec.utf8());
      assertThat(store.stats().claims()).isEqualTo(before + 1);
      assertThat(context.getBean(IdempotencyFilter.class).store()).isSameAs(store);
    });
  }

  @Test
  void aScopeResolverBeanScopesTheFiltersKeys() {
    dev.closedloop.sync.idempotency.ScopeResolver<jakarta.servlet.http.HttpServletRequest> tenant =
        request -> "tenant-" + request.getHeader("X-Tenant");
    web.withBean("tenantScope", dev.closedloop.sync.idempotency.ScopeResolver.class, () -> tenant).run(context -> {
      IdempotencyFilter filter = context.getBean(IdempotencyFilter.class);
      java.util.List<String> scopes = new java.util.ArrayList<>();
      org.springframework.mock.web.MockHttpServletRequest request =
          new org.springframework.mock.web.MockHttpServletRequest("POST", "/orders");
      request.addHeader("Idempotency-Key", "k1");
      request.addHeader("X-Tenant", "acme");
      request.setContentType("text/plain");
      request.setContent("tea".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      org.springframework.mock.web.MockHttpServletResponse response = new org.springframework.mock.web.MockHttpServletResponse();
      filter.doFilter(request, response, (req, resp) -> {
        scopes.add(IdempotencyFilter.currentKey(req).orElseThrow().scope());
        ((jakarta.servlet.http.HttpServletResponse) resp).setStatus(201);
      });
      assertThat(scopes).containsExactly("tenant-acme");
      assertThat(response.getStatus()).isEqualTo(201);
    });
  }

  @Test
  void aTopicAuthorizerBeanGuardsTheStream() {
    dev.closedloop.sync.servlet.TopicAuthorizer publicOnly = (principal, topic) -> topic.startsWith("public");
    web.withBean(dev.closedloop.sync.servlet.TopicAuthorizer.class, () -> publicOnly).run(context -> {
      org.springframework.mock.web.MockHttpServletRequest request =
          new org.springframework.mock.web.MockHttpServletRequest("GET", "/events");
      request.setQueryString("topics=secret");
      request.addParameter("topics", "secret");
      org.springframework.mock.web.MockHttpServletResponse response = new org.springframework.mock.web.MockHttpServletResponse();
      context.getBean(RealtimeSseServlet.class).service(request, response);
      assertThat(response.getStatus()).isEqualTo(403);
      assertThat(response.getContentAsString()).contains("secret");
    });
  }

  @Test
  void disabledIdempotencyLeavesNoStoreNoFilterNoApi() {
    web.withPropertyValues("closedloop.idempotency.enabled=false").run(context -> {
      assertThat(context).doesNotHaveBean(IdempotencyStore.class);
      assertThat(context).doesNotHaveBean(Idempotency.class);
      assertThat(context).doesNotHaveBean(IdempotencyFilter.class);
      assertThat(context).hasSingleBean(RealtimeBus.class);
    });
  }

  @Test
  void disabledRealtimeLeavesNoBusNoServlet() {
    web.withPropertyValues("closedloop.realtime.enabled=false").run(context -> {
      assertThat(context).doesNotHaveBean(RealtimeBus.class);
      assertThat(context).doesNotHaveBean(RealtimeSseServlet.class);
      assertThat(context).doesNotHaveBean(ServletRegistrationBean.class);
      assertThat(context).hasSingleBean(IdempotencyFilter.class);
    });
  }

  @Test
  void theApplicationsOwnBeansWin() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    InProcessRealtimeBus bus = InProcessRealtimeBus.create();
    IdempotencyFilter filter = IdempotencyFilter.builder().store(store).build();
    Idempotency idempotency = Idempotency.of(store);
    RealtimeSseServlet servlet = RealtimeSseServlet.builder(bus).build();
    web.withBean(IdempotencyStore.class, () -> store)
        .withBean(RealtimeBus.class, () -> bus)
        .withBean(IdempotencyFilter.class, () -> filter)
        .withBean(Idempotency.class, () -> idempotency)
        .withBean(RealtimeSseServlet.class, () -> servlet)
        .run(context -> {
          assertThat(context.getBean(IdempotencyStore.class)).isSameAs(store);
          assertThat(context.getBean(RealtimeBus.class)).isSameAs(bus);
          assertThat(context.getBean(IdempotencyFilter.class)).isSameAs(filter);
          assertThat(context.getBean(Idempotency.class)).isSameAs(idempotency);
          assertThat(context.getBean(RealtimeSseServlet.class)).isSameAs(servlet);
          assertThat(context.getBean("idempotencyFilterRegistration", FilterRegistrationBean.class).getFilter())
              .isSameAs(filter);
        });
  }

  @Test
  void anOwnRegistrationReplacesOurs() {
    web.withBean("idempotencyFilterRegistration", FilterRegistrationBean.class,
            () -> new FilterRegistrationBean<>(IdempotencyFilter.builder().build()))
        .run(context -> assertThat(context.getBean("idempotencyFilterRegistration", FilterRegistrationBean.class)
            .getFilter()).isNotSameAs(context.getBean(IdempotencyFilter.class)));
  }

  @Test
  void withAMeterRegistryTheFilterAndTheBusAreMeasured() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    web.withBean(MeterRegistry.class, () -> registry).run(context -> {
      assertThat(registry.find("sync.idempotency.requests").tag("outcome", "first").functionCounter()).isNotNull();
      RealtimeBus bus = context.getBean(RealtimeBus.class);
      bus.publish(ChangeDraft.broadcast("t", "{}"));
      assertThat(registry.get("sync.realtime.published").counter().count()).isEqualTo(1.0);
      context.getBean(IdempotencyStoreMetrics.class).bindTo(registry);
      assertThat(registry.find("sync.idempotency.store.claims").functionCounters()).isNotEmpty();
    });
  }

  @Test
  void redisIsTheDefaultWhenSpringDataRedisIsConfigured() {
    java.net.URI redis = java.net.URI.create(Services.redisUrl());
    String prefix = Services.unique("cls_boot_") + ":";
    web.withPropertyValues("spring.data.redis.host=" + redis.getHost(), "spring.data.redis.port=" + redis.getPort(),
            "closedloop.idempotency.key-prefix=" + prefix, "closedloop.realtime.key-prefix=" + prefix + "rt:")
        .run(context -> {
          assertThat(context).hasNotFailed();
          RedisIdempotencyStore store = (RedisIdempotencyStore) context.getBean(IdempotencyStore.class);
          assertThat(store.keyPrefix()).isEqualTo(prefix);
          assertThat(context.getBean(RealtimeBus.class).toString()).contains("Redis");
        });
  }

  @Test
  void withoutSyncRedisAConfiguredRedisIsNotTheDefault() {
    web.withPropertyValues("spring.data.redis.host=127.0.0.1")
        .withClassLoader(new FilteredClassLoader(RedisIdempotencyStore.class, RedisRealtimeBus.class))
        .run(context -> {
          assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(InMemoryIdempotencyStore.class);
          assertThat(context.getBean(RealtimeBus.class)).isInstanceOf(InProcessRealtimeBus.class);
        });
  }

  @Test
  void jdbcAndPostgresAreTheDefaultWhenThereIsADataSource() throws Exception {
    String table = Services.unique("cls_boot_");
    try (HikariDataSource ds = dataSource()) {
      web.withBean(DataSource.class, () -> ds)
          .withPropertyValues("closedloop.idempotency.table-name=" + table,
              "closedloop.realtime.table-name=" + table + "_rt")
          .run(context -> {
            assertThat(context).hasNotFailed();
            JdbcIdempotencyStore store = (JdbcIdempotencyStore) context.getBean(IdempotencyStore.class);
            assertThat(store.tableName()).isEqualTo(table);
            RealtimeBus bus = context.getBean(RealtimeBus.class);
            assertThat(bus.toString()).contains("Postgres");
            assertThat(bus.publish(ChangeDraft.broadcast("t", "{}"))).isEqualTo(1);
          });
    }
    dropTables(table);
  }

  @Test
  void aDataSourceWithoutSyncJdbcLeavesMemory() {
    try (HikariDataSource ds = dataSource()) {
      web.withBean(DataSource.class, () -> ds)
          .withClassLoader(new FilteredClassLoader(JdbcIdempotencyStore.class, PostgresRealtimeBus.class))
          .run(context -> {
            assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(InMemoryIdempotencyStore.class);
            assertThat(context.getBean(RealtimeBus.class)).isInstanceOf(InProcessRealtimeBus.class);
          });
    }
  }

  @Test
  void anExplicitMemoryStoreWinsOverAConfiguredRedis() {
    web.withPropertyValues("spring.data.redis.host=127.0.0.1", "closedloop.idempotency.store=memory",
            "closedloop.realtime.bus=in-process")
        .run(context -> {
          assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(InMemoryIdempotencyStore.class);
          assertThat(context.getBean(RealtimeBus.class)).isInstanceOf(InProcessRealtimeBus.class);
        });
  }

  @Test
  void anUnreachableRedisFailsStartupNamingTheProperty() {
    web.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=1",
            "spring.data.redis.password=s3cret", "closedloop.realtime.bus=in-process")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(rootMessages(context.getStartupFailure()))
              .contains("closedloop.idempotency.store=redis (the default, because spring.data.redis.host is set)")
              .contains("could not connect to Redis at redis://***@127.0.0.1:1/0")
              .doesNotContain("s3cret");
        });
    web.withPropertyValues("closedloop.realtime.bus=redis", "spring.data.redis.url=redis://127.0.0.1:1",
            "closedloop.idempotency.store=memory")
        .run(context -> assertThat(rootMessages(context.getStartupFailure()))
            .contains("closedloop.realtime.bus=redis: could not connect to Redis at redis://127.0.0.1:1"));
  }

  @Test
  void springBootsFailureReportSaysWhatFailedAndWhatToDo() throws Exception {
    boolean registered = false;
    for (java.net.URL url : java.util.Collections.list(
        BackendFailureAnalyzer.class.getClassLoader().getResources("META-INF/spring.factories"))) {
      java.util.Properties factories = new java.util.Properties();
      try (java.io.InputStream in = url.openStream()) {
        factories.load(in);
      }
      registered |= String.valueOf(factories.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer"))
          .contains(BackendFailureAnalyzer.class.getName());
    }
    assertThat(registered).isTrue();
    assertThat(org.springframework.beans.BeanUtils.instantiateClass(BackendFailureAnalyzer.class)).isNotNull();
    web.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:1", "closedloop.realtime.bus=in-process")
        .run(context -> {
          org.springframework.boot.diagnostics.FailureAnalysis analysis =
              new BackendFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription())
              .startsWith("closedloop.idempotency.store=redis (the default, because spring.data.redis.url is set)");
          assertThat(analysis.getAction()).contains("set closedloop.idempotency.store to another value");
        });
  }

  @Test
  void jdbcWithoutADataSourceFailsStartupNamingTheProperty() {
    web.withPropertyValues("closedloop.idempotency.store=jdbc").run(context ->
        assertThat(rootMessages(context.getStartupFailure()))
            .contains("closedloop.idempotency.store=jdbc needs a DataSource"));
    web.withPropertyValues("closedloop.realtime.bus=postgres").run(context ->
        assertThat(rootMessages(context.getStartupFailure()))
            .contains("closedloop.realtime.bus=postgres needs a DataSource"));
  }

  @Test
  void anUnreachableDatabaseFailsStartupNamingTheProperty() {
    HikariDataSource ds = new HikariDataSource();
    ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=2");
    ds.setInitializationFailTimeout(-1);
    ds.setConnectionTimeout(2000);
    try (ds) {
      web.withBean(DataSource.class, () -> ds).withPropertyValues("closedloop.realtime.enabled=false")
          .run(context -> assertThat(rootMessages(context.getStartupFailure()))
              .contains("closedloop.idempotency.store=jdbc (the default, because there is a DataSource)")
              .contains("could not set up table cls_idempotency"));
    }
  }

  @Test
  void aChosenBackendWhoseModuleIsMissingFailsStartupNamingTheModule() {
    web.withPropertyValues("closedloop.idempotency.store=redis")
        .withClassLoader(new FilteredClassLoader(RedisIdempotencyStore.class))
        .run(context -> assertThat(rootMessages(context.getStartupFailure()))
            .contains("closedloop.idempotency.store=redis needs dev.closedloop:sync-redis on the classpath"));
  }

  @Test
  void redisSettingsAreReadFromSpringDataRedis() {
    org.springframework.mock.env.MockEnvironment env = new org.springframework.mock.env.MockEnvironment()
        .withProperty("spring.data.redis.host", "cache.local")
        .withProperty("spring.data.redis.port", "6380")
        .withProperty("spring.data.redis.username", "app")
        .withProperty("spring.data.redis.password", "p@ss word")
        .withProperty("spring.data.redis.database", "3")
        .withProperty("spring.data.redis.ssl.enabled", "true")
        .withProperty("spring.data.redis.timeout", "750ms");
    RedisConnection c = RedisConnection.from(env);
    assertThat(c.uri).isEqualTo("rediss://app:p%40ss%20word@cache.local:6380/3");
    assertThat(c.timeout).isEqualTo(Duration.ofMillis(750));
    assertThat(c.configuredBy).isEqualTo("spring.data.redis.host");
    assertThat(c.describe()).isEqualTo("rediss://***@cache.local:6380/3");
    assertThat(dev.closedloop.sync.redis.RedisIdempotencyStore.builder().uri(c.uri)).isNotNull(); // Lettuce parses it

    RedisConnection url = RedisConnection.from(new org.springframework.mock.env.MockEnvironment()
        .withProperty("spring.data.redis.url", "redis://h:1/2").withProperty("spring.data.redis.host", "ignored"));
    assertThat(url.uri).isEqualTo("redis://h:1/2");
    assertThat(url.configuredBy).isEqualTo("spring.data.redis.url");

    RedisConnection cluster = RedisConnection.from(new org.springframework.mock.env.MockEnvironment()
        .withProperty("spring.data.redis.cluster.nodes", "a:7000, b:7001").withProperty("spring.data.redis.password", "x"));
    assertThat(cluster.uri).isNull();
    assertThat(cluster.clusterUris).containsExactly("redis://:x@a:7000", "redis://:x@b:7001");

    RedisConnection none = RedisConnection.from(new org.springframework.mock.env.MockEnvironment());
    assertThat(none.configured()).isFalse();
    assertThat(none.uri).isEqualTo("redis://localhost:6379/0");
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  static HikariDataSource dataSource() {
    HikariDataSource ds = new HikariDataSource();
    ds.setJdbcUrl(Services.jdbcUrl());
    ds.setMaximumPoolSize(4);
    return ds;
  }

  /** Drops every table and function whose name starts with {@code prefix} (letters, digits, underscores). */
  static void dropTables(String prefix) throws java.sql.SQLException {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(Services.jdbcUrl());
        java.sql.Statement s = c.createStatement()) {
      java.util.List<String> drops = new java.util.ArrayList<>();
      try (java.sql.ResultSet rs = s.executeQuery("SELECT 'DROP TABLE IF EXISTS ' || tablename || ' CASCADE'"
          + " FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '" + prefix + "%'"
          + " UNION ALL SELECT 'DROP FUNCTION IF EXISTS ' || p.oid::regprocedure || ' CASCADE' FROM pg_proc p"
          + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
          + " AND p.proname LIKE '" + prefix + "%'")) {
        while (rs.next()) {
          drops.add(rs.getString(1));
        }
      }
      for (String d : drops) {
        s.execute(d);
      }
    }
  }

  private static EnumSet<DispatcherType> dispatcherTypes(FilterRegistrationBean<?> registration) throws Exception {
    java.lang.reflect.Field f = org.springframework.util.ReflectionUtils.findField(registration.getClass(), "dispatcherTypes");
    f.setAccessible(true);
    @SuppressWarnings("unchecked")
    EnumSet<DispatcherType> types = (EnumSet<DispatcherType>) f.get(registration);
    return types;
  }

  /** The messages of a failure and all its causes, one per line. */
  static String rootMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }
}
