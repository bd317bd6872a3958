/** A new UUIDv7 (RFC 9562): lowercase, hyphenated, ordered by creation time. */
export function newKey(now?: number, random?: Uint8Array): string;
