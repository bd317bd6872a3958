package dev.closedloop.sync.servlet;

/**
 * Counters of a {@link RealtimeSseServlet}, read at one moment. Totals count since the servlet
 * was built.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param openConnections streams open now
 * @param connectionsOpened streams opened in total
 * @param connectionsClosed streams closed in total, for any reason, each counted once
 * @param eventsSent change events written to clients (replayed and live)
 * @param resets {@code reset} events sent, one per topic that could not be resumed
 * @param cutOffs streams closed because the client read too slowly (its buffer or its bus queue
 *     overflowed)
 * @param heartbeats heartbeat comments written
 * @param rejected requests answered with a 4xx or 503 problem instead of a stream
 */
public record RealtimeSseStats(
    long openConnections,
    long connectionsOpened,
    long connectionsClosed,
    long eventsSent,
    long resets,
    long cutOffs,
    long heartbeats,
    long rejected) {}
