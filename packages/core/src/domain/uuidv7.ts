import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '../ports/id-generator.port.js';

/**
 * Random bytes drawn from the CSPRNG 2 KiB at a time and handed out 16 at a time: one `randomBytes(16)` per id was
 * the largest single cost of an import (a system call per user). Node's own randomUUID buffers the same way. Bytes
 * are never handed out twice: each id copies its 16 out and the pool refills when spent.
 */
const POOL_BYTES = 2048;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function random16(): Buffer {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return bytes;
}

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Time-ordered keys index well in B-trees,
 * and the random part keeps ids unguessable.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = random16();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const uuidv7Generator: IdGenerator = { newId: () => uuidv7() };
