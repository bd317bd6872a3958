package dev.closedloop.sync.redis;

import java.util.List;

/**
 * The Redis realtime bus's Lua scripts and the field of its stream entries; {@link
 * RedisRealtimeBus} documents the layout they keep. {@code PUBLISH} appends an event, publishes
 * it on the topic's channel, updates the latest-state hash and trims the stream in batches;
 * {@code REPLAY} reads the head, the trimmed mark and the entries after a position in one
 * snapshot.
 *
 * <p>This class is threadsafe (constants and a pure function).
 */
final class BusScripts {
  static final String PUBLISH_LUA = String.join("\n",
      "-- KEYS: stream, latest hash, meta hash; ARGV: max, max + slack, payload, U|D|N, entity key",
      "local len = redis.call('XLEN', KEYS[1])",
      "local max = tonumber(ARGV[1])",
      "if len >= tonumber(ARGV[2]) then",
      "  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', len - max + 1)",
      "  redis.call('HSET', KEYS[3], 'trimmed', old[#old][1])",
      "  redis.call('XTRIM', KEYS[1], 'MAXLEN', max - 1)",
      "end",
      "local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[3])",
      "redis.call('PUBLISH', KEYS[1], id .. '\\n' .. ARGV[3])",
      "if ARGV[4] == 'U' then",
      "  redis.call('HSET', KEYS[2], ARGV[5], id .. ' ' .. ARGV[3])",
      "elseif ARGV[4] == 'D' then",
      "  redis.call('HDEL', KEYS[2], ARGV[5])",
      "end",
      "return id");

  static final String REPLAY_LUA = String.join("\n",
      "-- KEYS: stream, meta hash; ARGV: the id to read after. Returns {head, trimmed, entries}.",
      "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)",
      "local head = '0-0'",
      "if #last > 0 then head = last[1][1] end",
      "local trimmed = redis.call('HGET', KEYS[2], 'trimmed') or '0-0'",
      "return {head, trimmed, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')}");

  static final LuaScript PUBLISH = new LuaScript(PUBLISH_LUA);
  static final LuaScript REPLAY = new LuaScript(REPLAY_LUA);
  /** The one field of a stream entry. */
  static final String FIELD = "e";

  /** The value of the entry's {@link #FIELD}, or "" if it has none. */
  static String payloadOf(List<?> fields) {
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (FIELD.equals(fields.get(i))) {
        return (String) fields.get(i + 1);
      }
    }
    return "";
  }

  private BusScripts() {}
}
