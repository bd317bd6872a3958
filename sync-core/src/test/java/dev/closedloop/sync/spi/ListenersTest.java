package dev.closedloop.sync.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ListenersTest {
  private static final Logger log = LoggerFactory.getLogger(ListenersTest.class);

  interface Ear {
    void heard(String what, int n);
  }

  @Test
  void everyListenerHearsInOrderAndOneThatThrowsSilencesNoOther() {
    List<String> heard = new ArrayList<>();
    Ear first = (w, n) -> heard.add("first " + w + n);
    Ear broken = (w, n) -> {
      heard.add("broken");
      throw new IllegalStateException("listener bug");
    };
    Ear last = (w, n) -> heard.add("last " + w + n);
    Listeners<Ear> ears = Listeners.of(List.of(first, broken, last), log, "Test");

    ears.fire("heard", Ear::heard, "x", 1);
    ears.fire("heard", (l, w) -> l.heard(w, 2), "y");
    ears.fire("heard", l -> l.heard("z", 3));

    assertThat(heard).containsExactly("first x1", "broken", "last x1", "first y2", "broken", "last y2", "first z3",
        "broken", "last z3");
  }

  @Test
  void anErrorIsIsolatedButAVirtualMachineErrorIsRethrown() {
    AtomicInteger after = new AtomicInteger();
    Listeners<Runnable> errors = Listeners.of(Arrays.asList(() -> {
      throw new AssertionError("a listener's own error");
    }, after::incrementAndGet), log, "Test");
    errors.fire("run", Runnable::run);
    assertThat(after.get()).isEqualTo(1);

    Listeners<Runnable> vm = Listeners.of(List.of(() -> {
      throw new StackOverflowError("deep");
    }, after::incrementAndGet), log, "Test");
    assertThatThrownBy(() -> vm.fire("run", Runnable::run)).isInstanceOf(StackOverflowError.class);
    assertThat(after.get()).isEqualTo(1);
  }

  @Test
  void isolateReportsWhetherTheCallReturned() {
    assertThat(Listeners.isolate(log, "Test", "l", "ok", () -> { })).isTrue();
    assertThat(Listeners.isolate(log, "Test", "l", "bad", () -> {
      throw new IllegalArgumentException("no");
    })).isFalse();
  }

  @Test
  void theListIsCopiedAndNullsAreRefused() {
    List<Runnable> given = new ArrayList<>();
    given.add(() -> { });
    Listeners<Runnable> l = Listeners.of(given, log, "Test");
    given.add(() -> { });
    assertThat(l.asList()).hasSize(1);
    assertThat(Listeners.of(List.of(), log, "Test").isEmpty()).isTrue();
    assertThatNullPointerException().isThrownBy(() -> Listeners.of(Arrays.asList((Runnable) null), log, "Test"))
        .withMessage("a listener cannot be null");
    assertThatNullPointerException().isThrownBy(() -> Listeners.of(null, log, "Test"))
        .withMessage("listeners cannot be null");
  }

  @Test
  void manyThreadsFiringAtOnceReachEveryListenerExactlyOncePerEvent() throws Exception {
    int threads = 8;
    int events = 10_000;
    AtomicInteger a = new AtomicInteger();
    AtomicInteger b = new AtomicInteger();
    Listeners<Runnable> listeners = Listeners.of(List.<Runnable>of(a::incrementAndGet, b::incrementAndGet), log,
        "Test");
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < events; i++) {
            listeners.fire("run", Runnable::run);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(a.get()).isEqualTo(threads * events);
    assertThat(b.get()).isEqualTo(threads * events);
  }
}
