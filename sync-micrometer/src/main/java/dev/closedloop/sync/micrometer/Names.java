package dev.closedloop.sync.micrometer;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.Objects;

/** Tag helpers shared by the binders. Not part of the API. */
final class Names {
  /** The tag every meter carries: the measured component's name. */
  static final String NAME = "name";

  private Names() {}

  /**
   * Returns {@code tags} and {@code name=<name>}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static Tags base(String name, Iterable<Tag> tags) {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(tags, "tags cannot be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    return Tags.of(tags).and(NAME, name);
  }

  /** Returns an enum constant as a tag value: {@code HALF_OPEN} → {@code half_open}. */
  static String tagValue(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
