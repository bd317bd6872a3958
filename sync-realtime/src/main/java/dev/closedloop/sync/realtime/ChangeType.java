package dev.closedloop.sync.realtime;

/**
 * What a {@link ChangeEvent} says happened. {@code INSERT}, {@code UPDATE} and {@code DELETE}
 * concern one keyed entity and feed the latest-state cache; {@code BROADCAST} is a message to
 * every subscriber of the topic, with an optional key, that no cache keeps.
 *
 * <p>This enum is threadsafe.
 */
public enum ChangeType {
  /** An entity was created; {@code newData} holds it. */
  INSERT,
  /** An entity changed; {@code newData} holds it, {@code oldData} optionally what it was. */
  UPDATE,
  /** An entity was removed; {@code oldData} optionally holds what it was. */
  DELETE,
  /** A message for every subscriber of the topic; not cached. */
  BROADCAST;

  /** Returns whether events of this type name an entity and feed the latest-state cache. */
  public boolean isEntityChange() {
    return this != BROADCAST;
  }
}
