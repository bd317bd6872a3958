package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.StoredResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a first response leaves for its replays, and a replay written from it: which statuses are
 * the request's lasting result ({@link #isStorable}), which of its headers are kept (the
 * allow-list, matched ignoring case, in the response's order), and a kept response written back
 * with {@code Idempotency-Replayed: true}, or the 409 problem if it was too large to keep. Not
 * part of the API.
 *
 * <p>This class is threadsafe: its configuration is immutable and its one flag is volatile.
 */
final class ReplayWriter {
  /** The headers to replay, lower case; matched ignoring case, without allocating. */
  private final String[] replayHeaders;
  private final boolean storeServerErrors;
  private volatile boolean outOfService;

  ReplayWriter(Set<String> replayHeaders, boolean storeServerErrors) {
    Set<String> headers = new HashSet<>(IdempotencyFilterBuilder.DEFAULT_REPLAY_HEADERS);
    headers.addAll(replayHeaders);
    this.replayHeaders = headers.toArray(new String[0]);
    this.storeServerErrors = storeServerErrors;
  }

  /** Sets whether the application is in service; see {@link IdempotencyFilter#destroy()}. */
  void inService(boolean inService) {
    this.outOfService = !inService;
  }

  /** Whether a response with {@code status} is the request's lasting result. */
  boolean isStorable(int status) {
    if (status >= 200 && status < 400) {
      return true;
    }
    if (outOfService) {
      return false; // maybe the stopped container's answer, not the application's
    }
    if (status >= 400 && status < 500) {
      return status != 408 && status != 409 && status != 425 && status != 429;
    }
    return status == 500 && storeServerErrors;
  }

  /** The allow-listed headers of the real response, in its order. */
  Map<String, List<String>> replayableHeaders(HttpServletResponse response) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    Collection<String> names = response.getHeaderNames();
    for (String name : names) {
      if (isReplayed(name) && !kept.containsKey(name)) {
        List<String> values = new ArrayList<>(response.getHeaders(name));
        if (!values.isEmpty()) {
          kept.put(name, values);
        }
      }
    }
    return kept;
  }

  private boolean isReplayed(String name) {
    for (String h : replayHeaders) {
      if (h.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** Writes {@code stored} as the whole response: the kept one, or the problem saying it was not kept. */
  void replay(HttpServletResponse response, StoredResponse stored) throws IOException {
    if (!stored.isReplayable()) {
      IdempotencyProblem.NOT_REPLAYABLE.write(response, "the request with this key completed with status "
          + stored.status() + ", but its response was too large to keep; it will not run again", null);
      return;
    }
    response.setStatus(stored.status());
    for (Map.Entry<String, List<String>> h : stored.headers().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Content-Type")) {
        response.setContentType(h.getValue().get(0));
        continue;
      }
      boolean firstValue = true;
      for (String v : h.getValue()) {
        if (firstValue) {
          response.setHeader(h.getKey(), v);
          firstValue = false;
        } else {
          response.addHeader(h.getKey(), v);
        }
      }
    }
    response.setHeader(IdempotencyFilter.REPLAYED_HEADER, "true");
    response.setContentLength(stored.bodyLength());
    if (stored.bodyLength() > 0) {
      stored.writeBodyTo(response.getOutputStream());
    }
    response.flushBuffer();
  }
}
