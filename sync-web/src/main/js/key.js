// Idempotency keys: UUIDv7 (RFC 9562), time-ordered so server-side stores index them well.
// One key per click: minted once by mutate() and reused by every attempt and every replay.

/** @returns {string} a new UUIDv7, lowercase, with hyphens */
export function newKey(now = Date.now(), random = crypto.getRandomValues(new Uint8Array(10))) {
  // 48 bits of milliseconds, then 80 random bits of which 4 become the version and 2 the variant
  const hex = now.toString(16).padStart(12, '0') + Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
  const variant = (8 | (parseInt(hex[16], 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}
