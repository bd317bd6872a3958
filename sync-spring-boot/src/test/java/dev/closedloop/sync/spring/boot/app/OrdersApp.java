package dev.closedloop.sync.spring.boot.app;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * The application the HTTP tests run: one controller that creates an order, publishes the change
 * with the request's idempotency key, and counts its runs; CORS for a web app on another origin,
 * configured as the guide says (one {@link CorsConfigurationSource}, its filter in front of the
 * idempotency filter, so replays and the SSE stream get the CORS headers too).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(OrdersApp.Orders.class)
public class OrdersApp {
  public static final String WEB_ORIGIN = "http://app.example.test";

  @Bean
  CorsConfigurationSource corsConfigurationSource() {
    CorsConfiguration cors = new CorsConfiguration();
    cors.setAllowedOrigins(List.of(WEB_ORIGIN));
    cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE"));
    cors.setAllowedHeaders(List.of("Content-Type", "Idempotency-Key", "Last-Event-ID"));
    cors.setExposedHeaders(List.of("Idempotent-Replayed", "Retry-After", "Location"));
    cors.setMaxAge(3600L);
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    source.registerCorsConfiguration("/api/**", cors);
    source.registerCorsConfiguration("/events", cors);
    return source;
  }

  /** Spring Security is on the test classpath (for SecuredApp): this application lets everyone in. */
  @Bean
  SecurityFilterChain openChain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).csrf(c -> c.disable()).build();
  }

  @Bean
  FilterRegistrationBean<CorsFilter> corsFilterRegistration(@Qualifier("corsConfigurationSource") CorsConfigurationSource source) {
    FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(source));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE); // before the idempotency filter (-90)
    return registration;
  }

  /** Creates orders. */
  @RestController
  public static class Orders {
    public final AtomicInteger runs = new AtomicInteger();
    private final RealtimeBus bus;
    private final IdempotencyStore store;

    public Orders(RealtimeBus bus, IdempotencyStore store) {
      this.bus = bus;
      this.store = store;
    }

    @PostMapping(path = "/api/orders", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<String> create(@RequestBody String item, HttpServletRequest request,
        @RequestHeader(name = "X-Hold-Until-Repeats", required = false) Integer repeats) throws InterruptedException {
      runs.incrementAndGet();
      if (repeats != null) {
        // Hold the first run until the store has answered "in progress" to the repeats, so they
        // really overlap it (bounded: the assertions do not depend on it).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (store.stats().conflicts() < repeats && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
      }
      String id = UUID.randomUUID().toString();
      String json = "{\"id\":\"" + id + "\",\"item\":" + quote(item) + "}";
      String key = IdempotencyFilter.currentKey(request).map(IdempotencyKey::clientKey).orElse(null);
      bus.publish(ChangeDraft.insert("orders", id, json).withIdempotencyKey(key));
      return ResponseEntity.created(URI.create("/api/orders/" + id)).body(json);
    }

    private static String quote(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }
}
