package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.queue.OfflineQueue;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Client quick start" is the body of {@link #quickStart()} between the markers, so
 * that it compiles and runs (against an embedded Jetty with the idempotency filter).
 */
class ClientQuickStartTest {
  @TempDir Path dataDir;

  record NewNote(String id, String text) {}

  record Note(String id, String text, String key) {}

  /** Stands in for the app's token store. */
  static final class Tokens {
    String current() {
      return "t0k3n";
    }
  }

  /** Stands in for a UI element bound to the mutation's state. */
  static final class StatusBar {
    final List<MutationState.Kind> shown = new CopyOnWriteArrayList<>();

    void show(MutationState<?> state) {
      shown.add(state.kind());
    }
  }

  @Test
  void quickStart() throws Exception {
    Tokens tokens = new Tokens();
    StatusBar statusBar = new StatusBar();
    try (TestServer server = new TestServer()) {
      URI api = server.uri("/");

      // --- README: client quick start ---
      OfflineQueue queue = OfflineQueue.builder().open(dataDir.resolve("outbox")); // durable, fsync'd
      OfflineSync offline = OfflineSync.builder(queue)
          .connectivity(Connectivity.manual(true))  // or Connectivity.probe(healthUri).build()
          .secretHeaders(request -> Map.of("Authorization", "Bearer " + tokens.current()))
          .build();

      SyncMutation<NewNote, Note> addNote = SyncMutation.<NewNote, Note>builder("add-note")
          .endpoint(api.resolve("/api/notes"))
          .responseType(Note.class)
          .header("Authorization", "Bearer " + tokens.current())
          .secretHeaders("Authorization")           // never written to the queue
          .offline(offline)                          // queue what cannot be sent now
          .scope(note -> "notes")                    // replay in order within a scope
          .listener(new MutationListener<>() {
            @Override
            public void onStateChange(MutationCall<NewNote, Note> call, MutationState<Note> from,
                MutationState<Note> to) {
              statusBar.show(to); // IDLE, PENDING(n of max), SUCCESS, ERROR, QUEUED, DEAD
            }
          })
          .build();

      MutationCall<NewNote, Note> call = addNote.mutate(new NewNote("n1", "buy milk"));
      Note saved = call.result().get(30, TimeUnit.SECONDS); // one key, on every retry and replay
      // --- end ---

      assertThat(saved).isEqualTo(new Note("n1", "buy milk", call.key()));
      assertThat(server.api.authorization).containsEntry(call.key(), "Bearer t0k3n");
      org.awaitility.Awaitility.await().until(() -> statusBar.shown.contains(MutationState.Kind.SUCCESS));
      assertThat(statusBar.shown).startsWith(MutationState.Kind.PENDING);
      offline.close();
      queue.close();
    }
  }
}
