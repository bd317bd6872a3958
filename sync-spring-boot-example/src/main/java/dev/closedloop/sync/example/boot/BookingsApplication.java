package dev.closedloop.sync.example.boot;

import java.util.List;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * The demo's Spring Boot twin. The starter configures the idempotency filter on {@code /api/*}
 * and the SSE stream on {@code /events} from {@code application.properties}; this class adds only
 * what is the application's: its controller, and CORS for a web app on another origin
 * ({@code --app.web-origin=https://app.example.com}), ahead of the idempotency filter so that
 * replays carry the CORS headers too.
 */
@SpringBootApplication
public class BookingsApplication {

  public static void main(String[] args) {
    SpringApplication.run(BookingsApplication.class, args);
  }

  @Bean
  CorsConfigurationSource corsConfigurationSource(
      @org.springframework.beans.factory.annotation.Value("${app.web-origin:http://localhost:3000}") String origin) {
    CorsConfiguration cors = new CorsConfiguration();
    cors.setAllowedOrigins(List.of(origin));
    cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE"));
    cors.setAllowedHeaders(List.of("Content-Type", "Authorization", "Idempotency-Key", "Last-Event-ID"));
    cors.setExposedHeaders(List.of("Idempotent-Replayed", "Retry-After", "Location"));
    cors.setMaxAge(600L);
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    source.registerCorsConfiguration("/api/**", cors);
    source.registerCorsConfiguration("/events", cors);
    return source;
  }

  @Bean
  FilterRegistrationBean<CorsFilter> corsFilterRegistration(@Qualifier("corsConfigurationSource") CorsConfigurationSource cors) {
    FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(cors));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE); // before the idempotency filter
    return registration;
  }
}
