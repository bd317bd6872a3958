package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.micrometer.RealtimeMetrics;
import dev.closedloop.sync.micrometer.RealtimeSseMetrics;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.servlet.RealtimeSseServletBuilder;
import dev.closedloop.sync.servlet.TopicAuthorizer;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Servlet;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

/**
 * Configures realtime change events from {@code closedloop.realtime.*} ({@link
 * RealtimeProperties}):
 *
 * <ul>
 *   <li>the {@link RealtimeBus} the application publishes on: in-process, Redis Streams (from
 *       {@code spring.data.redis.*}) or a PostgreSQL outbox (through the application's {@code
 *       DataSource}), measured by {@link RealtimeMetrics} when there is a {@link MeterRegistry}; a
 *       bus that cannot start fails the application with a message naming {@code
 *       closedloop.realtime.bus};
 *   <li>in a servlet web application, the {@link RealtimeSseServlet} on {@code
 *       closedloop.realtime.path} (default {@code /events}), asking a {@link TopicAuthorizer} bean
 *       if there is one, and its {@link RealtimeSseMetrics}.
 * </ul>
 *
 * Each bean backs off when the application defines its own of the same type (the registration:
 * of the name {@code realtimeSseRegistration}). Disabled by {@code
 * closedloop.realtime.enabled=false}.
 *
 * <p>This class is threadsafe: Spring calls it once per context.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
@ConditionalOnProperty(prefix = "closedloop.realtime", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(RealtimeProperties.class)
public class RealtimeAutoConfiguration {

  /** The bus chosen by {@code closedloop.realtime.bus}, or by the default rule; measured if it can be. */
  @Bean
  @ConditionalOnMissingBean
  public RealtimeBus realtimeBus(RealtimeProperties properties, Environment environment,
      ObjectProvider<DataSource> dataSource, ResourceLoader resourceLoader, ObjectProvider<MeterRegistry> registry) {
    RedisConnection redis = RedisConnection.from(environment);
    Supplier<@Nullable DataSource> ds = dataSource::getIfAvailable;
    ClassLoader loader = resourceLoader.getClassLoader();
    RealtimeBus bus = Backends.buildBus(Backends.bus(properties.getBus(), redis, ds, loader), properties, redis, ds, loader);
    MeterRegistry meters = registry.getIfAvailable();
    return meters != null ? new RealtimeMetrics(meters, "realtime").instrument(bus) : bus;
  }

  /** The SSE servlet, its registration and its meters, in a servlet web application. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({Servlet.class, ServletRegistrationBean.class})
  static class ServletConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RealtimeSseServlet realtimeSseServlet(RealtimeBus bus, RealtimeProperties properties,
        ObjectProvider<TopicAuthorizer> authorizer) {
      RealtimeSseServletBuilder builder = RealtimeSseServlet.builder(bus).heartbeat(properties.getHeartbeat());
      authorizer.ifAvailable(builder::authorizer);
      return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "realtimeSseRegistration")
    ServletRegistrationBean<RealtimeSseServlet> realtimeSseRegistration(RealtimeSseServlet servlet,
        RealtimeProperties properties) {
      ServletRegistrationBean<RealtimeSseServlet> registration =
          new ServletRegistrationBean<>(servlet, properties.getPath());
      registration.setAsyncSupported(true);
      registration.setName("realtimeSse");
      return registration;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(RealtimeSseServlet.class)
    RealtimeSseMetrics realtimeSseMetrics(RealtimeSseServlet servlet) {
      return new RealtimeSseMetrics(servlet, "realtime");
    }
  }
}
