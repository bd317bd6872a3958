// Idempotency keys: UUIDv7 (RFC 9562), time-ordered so server-side stores index them well.
// One key per click: minted once by mutate() and reused by every attempt and every replay.

/** @returns {string} a new UUIDv7, lowercase, with hyphens */
export function newKey(now = Date.now(), random = crypto.getRandomValues(new Uint8Array(10))) {
  const b = new Uint8Array(16);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b.set(random, 6);
  b[6] = 0x70 | (b[6] & 0x0f); // version 7
  b[8] = 0x80 | (b[8] & 0x3f); // variant 10
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
