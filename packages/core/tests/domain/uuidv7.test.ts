import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/domain/uuidv7.js';

describe('uuidv7', () => {
  it('is RFC 9562 version 7, variant 10, with the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('never repeats its random part across many pool refills (the bytes are handed out once)', () => {
    const now = Date.now();
    const randomParts = new Set<string>();
    const count = 10_000; // 16 bytes each: ~78 refills of the 2 KiB pool
    for (let i = 0; i < count; i++) randomParts.add(uuidv7(now).slice(14));
    expect(randomParts.size).toBe(count);
  });

  it('keeps ids already handed out when the pool refills', () => {
    const first = uuidv7(0);
    for (let i = 0; i < 200; i++) uuidv7(0);
    expect(uuidv7(0)).not.toBe(first);
    expect(first).toMatch(/^00000000-0000-7/);
  });
});
