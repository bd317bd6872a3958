package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.ScopeResolver;
import dev.closedloop.sync.micrometer.IdempotencyFilterMetrics;
import dev.closedloop.sync.micrometer.IdempotencyStoreMetrics;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.IdempotencyFilterBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

/**
 * Configures exactly-once requests from {@code closedloop.idempotency.*} ({@link
 * IdempotencyProperties}):
 *
 * <ul>
 *   <li>an {@link IdempotencyStore}: in memory, on Redis (from {@code spring.data.redis.*}) or on
 *       PostgreSQL (through the application's {@code DataSource}); a store that cannot start fails
 *       the application with a message naming {@code closedloop.idempotency.store}, never falling
 *       back to memory;
 *   <li>the plain-Java {@link Idempotency} on that store, with the same lease, retention and
 *       in-progress wait, for message consumers and jobs;
 *   <li>in a servlet web application, the {@link IdempotencyFilter} on that store, registered on
 *       {@code closedloop.idempotency.paths} after Spring Security's filter chain (so the
 *       authenticated principal is the scope unless a {@link ScopeResolver} bean says otherwise),
 *       with its meters when there is a {@link MeterRegistry};
 *   <li>{@link IdempotencyStoreMetrics}, which Spring Boot binds to the application's registry.
 * </ul>
 *
 * Each bean backs off when the application defines its own of the same type (the registration:
 * of the name {@code idempotencyFilterRegistration}). Disabled by {@code
 * closedloop.idempotency.enabled=false}.
 *
 * <p>This class is threadsafe: Spring calls it once per context.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
@ConditionalOnProperty(prefix = "closedloop.idempotency", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(IdempotencyProperties.class)
public class IdempotencyAutoConfiguration {

  /** The store chosen by {@code closedloop.idempotency.store}, or by the default rule. */
  @Bean
  @ConditionalOnMissingBean
  public IdempotencyStore idempotencyStore(IdempotencyProperties properties, Environment environment,
      ObjectProvider<DataSource> dataSource, ResourceLoader resourceLoader) {
    RedisConnection redis = RedisConnection.from(environment);
    Supplier<@Nullable DataSource> ds = dataSource::getIfAvailable;
    ClassLoader loader = resourceLoader.getClassLoader();
    return Backends.buildStore(Backends.store(properties.getStore(), redis, ds, loader), properties, redis, ds, loader);
  }

  /** The plain-Java API on the same store, with the same lease, retention and in-progress wait. */
  @Bean
  @ConditionalOnMissingBean
  public Idempotency idempotency(IdempotencyStore store, IdempotencyProperties properties) {
    return Idempotency.builder()
        .store(store)
        .lease(properties.getLease())
        .retention(properties.getRetention())
        .inProgressWait(properties.getInProgressWait())
        .name("spring")
        .build();
  }

  /** The store's meters, bound by Spring Boot to every {@link MeterRegistry}. */
  @Bean
  @ConditionalOnMissingBean
  public IdempotencyStoreMetrics idempotencyStoreMetrics(IdempotencyStore store) {
    return new IdempotencyStoreMetrics(store, "idempotency");
  }

  /** The filter and its registration, in a servlet web application. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({Filter.class, FilterRegistrationBean.class})
  static class FilterConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyFilter idempotencyFilter(IdempotencyStore store, IdempotencyProperties properties,
        ObjectProvider<ScopeResolver<HttpServletRequest>> scopeResolver, ObjectProvider<MeterRegistry> registry) {
      IdempotencyFilterBuilder builder = IdempotencyFilter.builder()
          .store(store)
          .lease(properties.getLease())
          .retention(properties.getRetention())
          .inProgressWait(properties.getInProgressWait());
      if (!properties.getPaths().isEmpty()) {
        builder.requireKey(properties.getPaths().toArray(String[]::new));
      }
      scopeResolver.ifAvailable(builder::scopeResolver);
      MeterRegistry meters = registry.getIfAvailable();
      return meters != null ? new IdempotencyFilterMetrics(meters, "http").build(builder) : builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyFilterRegistration")
    FilterRegistrationBean<IdempotencyFilter> idempotencyFilterRegistration(IdempotencyFilter filter,
        IdempotencyProperties properties) {
      FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(filter);
      List<String> paths = properties.getPaths();
      registration.setUrlPatterns(paths.isEmpty() ? List.of("/*") : paths);
      registration.setOrder(properties.getFilterOrder());
      registration.setAsyncSupported(true);
      registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
      registration.setName("idempotencyFilter");
      return registration;
    }
  }
}
