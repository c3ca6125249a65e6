import { randomBytes } from 'node:crypto';

// Crockford base32: ids sort by creation time (48-bit ms timestamp first), like ULIDs.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encode(bytes: Uint8Array, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.slice(0, chars);
}

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** `<prefix>_<26 chars>`; within one millisecond the random part increments, so order is kept. */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now <= lastMs) {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i] < 255) {
        lastRandom[i]++;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = now;
    lastRandom = nextRandomBytes();
  }
  return `${prefix}_${encodeTime(lastMs)}${encode(lastRandom, 16)}`;
}

// Random bytes drawn in blocks: one call per id cost more than making the rest of the id.
let pool = Buffer.alloc(0);
let poolOffset = 0;
function nextRandomBytes(): Uint8Array {
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  poolOffset += 10;
  return Uint8Array.from(pool.subarray(poolOffset - 10, poolOffset));
}

let isoMs = 0;
let iso = '';

/** The current time as ISO 8601; formatted once per millisecond. */
export function nowIso(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}
