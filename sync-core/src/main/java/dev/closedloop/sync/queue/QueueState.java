package dev.closedloop.sync.queue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The queue's items and their indexes; the one place where a record changes them ({@link #apply}),
 * used alike by live operations and by recovery, so replay and live behaviour cannot drift.
 *
 * <p>Indexes: {@code scopes} holds the live (waiting or leased) ids of each scope in id order; its
 * first id is the scope's head. {@code heads} holds, per lane, the ids that may be handed out
 * next: live, not leased, and either unscoped or their scope's head. {@code poll} scans only those.
 *
 * <p>This class is not threadsafe: the queue guards it with its lock.
 */
final class QueueState {
  private final HashMap<Long, Entry> byId = new HashMap<>();
  private final HashMap<Long, Long> leases = new HashMap<>();
  private final TreeMap<Integer, TreeSet<Long>> heads = new TreeMap<>(Collections.reverseOrder());
  private final HashMap<String, TreeSet<Long>> scopes = new HashMap<>();
  private final HashMap<String, TreeSet<Long>> keys = new HashMap<>();
  private final TreeSet<Long> dead = new TreeSet<>();
  private long retainedBytes;
  long nextId = 1;

  // ---- reading

  @Nullable
  Entry get(long id) {
    return byId.get(id);
  }

  boolean isLeased(long id) {
    return leases.containsKey(id);
  }

  int size() {
    return byId.size();
  }

  long retainedBytes() {
    return retainedBytes;
  }

  int leasedCount() {
    return leases.size();
  }

  int deadCount() {
    return dead.size();
  }

  Iterable<Entry> entries() {
    return byId.values();
  }

  List<Entry> deadEntries() {
    List<Entry> out = new ArrayList<>(dead.size());
    for (long id : dead) {
      out.add(byId.get(id));
    }
    return out;
  }

  /** Returns the next item to hand out, or null: see the class comment. */
  @Nullable
  Entry next(long nowMillis, long committedSeq) {
    for (TreeSet<Long> lane : heads.values()) {
      for (long id : lane) {
        Entry e = byId.get(id);
        if (e.seq() <= committedSeq && e.item().notBeforeMillis() <= nowMillis) {
          return e;
        }
      }
    }
    return null;
  }

  /**
   * Returns the newest live item with {@code key}: any live one if {@code includeLeased}, else
   * only a waiting one; null if none.
   */
  @Nullable
  Entry newestLive(String key, boolean includeLeased) {
    TreeSet<Long> ids = keys.get(key);
    if (ids == null) {
      return null;
    }
    for (Iterator<Long> it = ids.descendingIterator(); it.hasNext(); ) {
      long id = it.next();
      if (includeLeased || !leases.containsKey(id)) {
        return byId.get(id);
      }
    }
    return null;
  }

  // ---- leases (memory only, never journaled)

  void lease(long id, long nowNanos) {
    Entry e = byId.get(id);
    leases.put(id, nowNanos);
    removeHead(id, e.item().priority());
  }

  void unlease(long id) {
    if (leases.remove(id) == null) {
      return;
    }
    Entry e = byId.get(id);
    if (e != null && !e.dead() && isScopeHead(e)) {
      addHeadIfReady(id, e.item().priority());
    }
  }

  // ---- changes

  /** Applies one record; records what it replaced in {@code undo} unless that is null. */
  void apply(Rec rec, long seq, @Nullable Undo undo) {
    if (rec instanceof Rec.Put) {
      Rec.Put p = (Rec.Put) rec;
      if (p.replaces() != 0) {
        record(undo, p.replaces(), remove(p.replaces()));
      }
      long id = p.item().id();
      record(undo, id, put(new Entry(p.item(), p.dead(), RecordCodec.putSize(p.item()), seq)));
      if (id >= nextId) {
        nextId = id + 1;
      }
    } else if (rec instanceof Rec.Ack) {
      long id = ((Rec.Ack) rec).id();
      Entry prior = remove(id);
      if (prior != null) {
        record(undo, id, prior);
      }
    } else if (rec instanceof Rec.Nack) {
      Rec.Nack n = (Rec.Nack) rec;
      Entry e = byId.get(n.id());
      if (e != null) {
        QueuedItem item = e.item().withRetry(n.attempts(), n.notBeforeMillis(), n.error());
        record(undo, n.id(), put(new Entry(item, false, e.bytes(), seq)));
      }
    } else if (rec instanceof Rec.Dead) {
      Rec.Dead d = (Rec.Dead) rec;
      Entry e = byId.get(d.id());
      if (e != null) {
        QueuedItem item = e.item().withError(d.attempts(), d.reason());
        record(undo, d.id(), put(new Entry(item, true, e.bytes(), seq)));
      }
    } else if (rec instanceof Rec.Requeue) {
      Rec.Requeue q = (Rec.Requeue) rec;
      Entry e = byId.get(q.id());
      if (e != null) {
        QueuedItem item = e.item().withRetry(0, q.notBeforeMillis(), e.item().lastError());
        record(undo, q.id(), put(new Entry(item, false, e.bytes(), seq)));
      }
    } else if (rec instanceof Rec.Clear) {
      for (Long id : new ArrayList<>(byId.keySet())) {
        record(undo, id, remove(id));
      }
    }
    // Snapshot headers change nothing by themselves.
  }

  /** Undoes one record: its replaced entries come back, in reverse, unleased. */
  void rollback(Undo undo) {
    for (int i = undo.ids.size() - 1; i >= 0; i--) {
      long id = undo.ids.get(i);
      Entry prior = undo.priors.get(i);
      unlease(id);
      if (prior == null) {
        remove(id);
      } else {
        put(prior);
      }
    }
  }

  /**
   * Returns a copy of the entries as they were before the records whose undos are given (newest
   * last) were applied: the committed state, for a compaction snapshot.
   */
  Map<Long, Entry> entriesBefore(List<Undo> uncommitted) {
    HashMap<Long, Entry> copy = new HashMap<>(byId);
    for (int u = uncommitted.size() - 1; u >= 0; u--) {
      Undo undo = uncommitted.get(u);
      for (int i = undo.ids.size() - 1; i >= 0; i--) {
        Entry prior = undo.priors.get(i);
        if (prior == null) {
          copy.remove(undo.ids.get(i));
        } else {
          copy.put(undo.ids.get(i), prior);
        }
      }
    }
    return copy;
  }

  private static void record(@Nullable Undo undo, long id, @Nullable Entry prior) {
    if (undo != null) {
      undo.add(id, prior);
    }
  }

  @Nullable
  private Entry put(Entry e) {
    Entry prior = byId.put(e.id(), e);
    if (prior != null) {
      unindex(prior);
    }
    index(e);
    return prior;
  }

  @Nullable
  private Entry remove(long id) {
    Entry prior = byId.remove(id);
    leases.remove(id);
    if (prior != null) {
      unindex(prior);
    }
    return prior;
  }

  private void index(Entry e) {
    retainedBytes += e.bytes();
    long id = e.id();
    if (e.dead()) {
      dead.add(id);
      return;
    }
    keys.computeIfAbsent(e.item().idempotencyKey(), k -> new TreeSet<>()).add(id);
    String scope = e.item().scope();
    if (scope == null) {
      addHeadIfReady(id, e.item().priority());
      return;
    }
    TreeSet<Long> ids = scopes.computeIfAbsent(scope, s -> new TreeSet<>());
    Long oldHead = ids.isEmpty() ? null : ids.first();
    ids.add(id);
    if (ids.first() == id) {
      if (oldHead != null) {
        removeHead(oldHead, byId.get(oldHead).item().priority());
      }
      addHeadIfReady(id, e.item().priority());
    }
  }

  private void unindex(Entry e) {
    retainedBytes -= e.bytes();
    long id = e.id();
    if (e.dead()) {
      dead.remove(id);
      return;
    }
    TreeSet<Long> keyIds = keys.get(e.item().idempotencyKey());
    keyIds.remove(id);
    if (keyIds.isEmpty()) {
      keys.remove(e.item().idempotencyKey());
    }
    removeHead(id, e.item().priority());
    String scope = e.item().scope();
    if (scope == null) {
      return;
    }
    TreeSet<Long> ids = scopes.get(scope);
    boolean wasHead = ids.first() == id;
    ids.remove(id);
    if (ids.isEmpty()) {
      scopes.remove(scope);
    } else if (wasHead) {
      long next = ids.first();
      Entry n = byId.get(next);
      addHeadIfReady(next, n.item().priority());
    }
  }

  private boolean isScopeHead(Entry e) {
    String scope = e.item().scope();
    return scope == null || scopes.get(scope).first() == e.id();
  }

  private void addHeadIfReady(long id, int priority) {
    if (!leases.containsKey(id)) {
      heads.computeIfAbsent(priority, p -> new TreeSet<>()).add(id);
    }
  }

  private void removeHead(long id, int priority) {
    TreeSet<Long> lane = heads.get(priority);
    if (lane != null && lane.remove(id) && lane.isEmpty()) {
      heads.remove(priority);
    }
  }
}
