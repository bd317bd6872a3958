package dev.closedloop.sync.bench;

import java.lang.reflect.Proxy;

/**
 * Makes an implementation of an interface whose every method throws {@link
 * UnsupportedOperationException} naming itself: the delegate of the servlet fakes, so that a
 * method the fakes do not implement fails loudly instead of answering something made up.
 *
 * <p>This class is threadsafe.
 */
final class Unsupported {
  private Unsupported() {}

  static <T> T of(Class<T> type) {
    Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
      switch (method.getName()) {
        case "toString":
          return "unsupported " + type.getSimpleName();
        case "hashCode":
          return System.identityHashCode(self);
        case "equals":
          return self == args[0];
        default:
          throw new UnsupportedOperationException(
              type.getSimpleName() + "." + method.getName() + " is not implemented by the benchmark's fakes");
      }
    });
    return type.cast(proxy);
  }
}
