package dev.closedloop.sync.queue;

import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/** The entries one record replaced, to roll the record back if its write fails. */
final class Undo {
  final ArrayList<Long> ids = new ArrayList<>(2);
  final ArrayList<@Nullable Entry> priors = new ArrayList<>(2);

  void add(long id, @Nullable Entry prior) {
    ids.add(id);
    priors.add(prior);
  }
}
