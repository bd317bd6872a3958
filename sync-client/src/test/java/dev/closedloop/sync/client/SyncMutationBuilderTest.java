package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.closedloop.sync.client.Fixtures.Item;
import dev.closedloop.sync.client.Fixtures.Saved;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.retry.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncMutationBuilderTest {
  private static final URI API = URI.create("http://127.0.0.1:9/api");

  private SyncMutationBuilder<Item, Saved> b() {
    return SyncMutation.builder("m");
  }

  @Test
  void nameIsRequiredNonBlankAndBounded() {
    assertThatThrownBy(() -> SyncMutation.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("name cannot be null");
    assertThatThrownBy(() -> SyncMutation.builder(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank");
    assertThatThrownBy(() -> SyncMutation.builder("x".repeat(201))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must be at most 200 characters: 201");
  }

  @Test
  void buildWithoutAnEndpointFails() {
    assertThatThrownBy(() -> b().build()).isInstanceOf(IllegalStateException.class).hasMessage("endpoint must be set");
  }

  @Test
  void endpointMustBeAnAbsoluteHttpUri() {
    assertThatThrownBy(() -> b().endpoint((URI) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("endpoint cannot be null");
    assertThatThrownBy(() -> b().endpoint(URI.create("/relative"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint must be an absolute http(s) URI: /relative");
    assertThatThrownBy(() -> b().endpoint(URI.create("ftp://h/x"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint must be an absolute http(s) URI: ftp://h/x");
  }

  @Test
  void methodMustBeAToken() {
    assertThatThrownBy(() -> b().method("PO ST")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("method must be an HTTP token: 'PO ST'");
    assertThat(b().method("patch").endpoint(API).build().toString()).contains("PATCH");
  }

  @Test
  void headersTheClientSetsItselfOrWithControlCharactersAreRefused() {
    assertThatThrownBy(() -> b().header("Idempotency-Key", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header Idempotency-Key is set by the client itself");
    assertThatThrownBy(() -> b().header("content-length", "1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header content-length is set by the client itself");
    assertThatThrownBy(() -> b().header("X-A", "a\r\nb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header X-A has a control character in its value");
    assertThatThrownBy(() -> b().header("X A", "a")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header name must be an HTTP token: 'X A'");
    assertThatThrownBy(() -> b().header("X-A", null)).isInstanceOf(NullPointerException.class)
        .hasMessage("header value cannot be null");
  }

  @Test
  void timeoutsMustBePositiveAndAnAttemptTimeoutPastTheDeadlineConflicts() {
    assertThatThrownBy(() -> b().attemptTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attemptTimeout must be positive: PT0S");
    assertThatThrownBy(() -> b().timeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive: PT-1S");
    assertThatThrownBy(() -> b().confirmTimeout(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("confirmTimeout cannot be null");
    assertThatThrownBy(() -> b().endpoint(API).timeout(Duration.ofSeconds(1)).attemptTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("retry settings conflict: ");
  }

  @Test
  void priorityAndScopeNeedAnOfflineQueue() throws Exception {
    assertThatThrownBy(() -> b().priority(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("priority must not be negative: -1");
    assertThatThrownBy(() -> b().endpoint(API).priority(1).build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("priority and scope need an offline queue: call offline(...)");
    assertThatThrownBy(() -> b().endpoint(API).scope(v -> "s").build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("priority and scope need an offline queue: call offline(...)");
    try (OfflineQueue q = OfflineQueue.builder().buildInMemory(); OfflineSync sync = OfflineSync.builder(q).build()) {
      assertThat(b().endpoint(API).priority(1).scope(v -> "s").offline(sync).build()).isNotNull();
    }
  }

  @Test
  void theResponseTypeAndTheOptimisticUpdateAreSetOnce() {
    assertThatThrownBy(() -> b().responseType(Saved.class).responseType(Saved.class))
        .isInstanceOf(IllegalStateException.class).hasMessage("responseType is already set");
    SyncMutationBuilder<Item, List<Saved>> list = SyncMutation.builder("l");
    assertThatThrownBy(() -> list.responseType(new TypeReference<List<Saved>>() {}).responseType(new TypeReference<>() {}))
        .isInstanceOf(IllegalStateException.class).hasMessage("responseType is already set");
    OptimisticUpdate<Item, Saved, String> o = v -> "ctx";
    assertThatThrownBy(() -> b().optimistic(o).optimistic(o)).isInstanceOf(IllegalStateException.class)
        .hasMessage("optimistic update is already set");
  }

  @Test
  void everyReferenceSetterRefusesNull() {
    assertThatThrownBy(() -> b().httpClient(null)).hasMessage("http cannot be null");
    assertThatThrownBy(() -> b().objectMapper(null)).hasMessage("mapper cannot be null");
    assertThatThrownBy(() -> b().body(null)).hasMessage("body cannot be null");
    assertThatThrownBy(() -> b().retryPolicy(null)).hasMessage("policy cannot be null");
    assertThatThrownBy(() -> b().circuitBreaker(null)).hasMessage("breaker cannot be null");
    assertThatThrownBy(() -> b().retryBudget(null)).hasMessage("budget cannot be null");
    assertThatThrownBy(() -> b().offline(null)).hasMessage("offline cannot be null");
    assertThatThrownBy(() -> b().idempotencyKeys(null)).hasMessage("keys cannot be null");
    assertThatThrownBy(() -> b().callbackExecutor(null)).hasMessage("executor cannot be null");
    assertThatThrownBy(() -> b().listener(null)).hasMessage("listener cannot be null");
    assertThatThrownBy(() -> b().realtime(null)).hasMessage("realtime cannot be null");
    assertThatThrownBy(() -> b().secretHeaders((String) null)).hasMessage("name cannot be null");
    assertThatThrownBy(() -> b().resetAfterSuccess(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must not be negative: PT-0.001S");
  }

  @Test
  void aKeySupplierThatBreaksTheKeyRulesFailsMutate() {
    SyncMutation<Item, Saved> spaces = b().endpoint(API).idempotencyKeys(() -> "has space").build();
    SyncMutation<Item, Saved> empty = b().endpoint(API).idempotencyKeys(() -> "").build();
    assertThatThrownBy(() -> spaces.mutate(new Item("1", "x"))).isInstanceOf(MutationException.class)
        .hasMessage("mutation 'm': idempotency key must be visible ASCII; bad character at 3");
    assertThatThrownBy(() -> empty.mutate(new Item("1", "x"))).isInstanceOf(MutationException.class)
        .hasMessage("mutation 'm': idempotency key must be 1-255 characters: 0");
  }

  @Test
  void aBuilderCanBeReusedAndTheBuiltMutationKeepsItsCopy() {
    SyncMutationBuilder<Item, Saved> builder = b().endpoint(API).retryPolicy(RetryPolicy.builder().maxAttempts(5).build());
    SyncMutation<Item, Saved> first = builder.build();
    builder.method("PUT");
    SyncMutation<Item, Saved> second = builder.build();
    assertThat(first.toString()).contains("POST");
    assertThat(second.toString()).contains("PUT");
  }
}
