package dev.closedloop.sync.testkit;

import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;

/** The in-process bus passes the realtime bus compatibility kit. */
class InProcessRealtimeBusCompatibilityTest extends RealtimeBusCompatibilityKit {

  @Override
  protected RealtimeBus createBus(int replayCapacity) {
    return InProcessRealtimeBus.builder().maxEventsPerTopic(replayCapacity).build();
  }
}
