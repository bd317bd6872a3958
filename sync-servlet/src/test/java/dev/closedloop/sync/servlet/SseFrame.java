package dev.closedloop.sync.servlet;

/** One dispatched SSE frame as a test reads it; {@code comment} frames carry only the comment. */
record SseFrame(String id, String event, String data, String comment) {
  boolean isComment() {
    return !comment.isEmpty() && event.isEmpty() && data.isEmpty();
  }
}
