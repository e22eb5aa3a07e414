import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import {
  assertNewUsersBatch,
  assertPageLimit,
  decodeStoreCursor,
  encodeStoreCursor,
} from '../../src/ports/store-listing.js';
import { sampleUser } from '../../src/testing/index.js';

const KIND = 'some-store-users-1';

describe('store listing helpers', () => {
  it('store cursors round-trip their position, and refuse every string they did not make', () => {
    const cursor = encodeStoreCursor(KIND, ['zoë', 'id-1']);
    expect(decodeStoreCursor(KIND, cursor, 2)).toEqual(['zoë', 'id-1']);
    const refused: unknown[] = [
      cursor.slice(0, -1),
      `${cursor}A`,
      `${cursor}=`,
      cursor.replace(/^./, (first) => (first === 'W' ? 'X' : 'W')),
      encodeStoreCursor('some-store-invitations-1', ['zoë', 'id-1']),
      encodeStoreCursor(KIND, ['zoë']),
      encodeStoreCursor(KIND, ['zoë', '']),
      // A control character never belongs to a position (PostgreSQL cannot even hold a NUL in text).
      encodeStoreCursor(KIND, ['zo\u0000ë', 'id-1']),
      encodeStoreCursor(KIND, ['zoë', 'id\u0001']),
      Buffer.from(`["${KIND}","zoë",1]`).toString('base64url'),
      // The same position in another JSON spacing: not the exact string this store made.
      Buffer.from(`[ "${KIND}","zoë","id-1"]`).toString('base64url'),
      'A'.repeat(5000),
      '',
      42,
      null,
    ];
    for (const after of refused) {
      let thrown: unknown;
      try {
        decodeStoreCursor(KIND, after, 2);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(after)).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).issues).toEqual([expect.objectContaining({ path: ['cursor'] })]);
    }
  });

  it('page limits: positive safe integers only', () => {
    expect(() => assertPageLimit(1)).not.toThrow();
    for (const limit of [0, -1, 1.5, Number.NaN, 2 ** 53, '10', undefined]) {
      expect(() => assertPageLimit(limit), String(limit)).toThrow(ValidationError);
    }
  });

  it('createMany batches: an array of at most the limit, of new users only, with the path of the first wrong one', () => {
    const fresh = [sampleUser(), sampleUser()];
    expect(() => assertNewUsersBatch(fresh, 2)).not.toThrow();
    expect(() => assertNewUsersBatch([], 2)).not.toThrow();
    const code = (users: unknown, limit: number) => {
      try {
        assertNewUsersBatch(users, limit);
      } catch (error) {
        return (error as ValidationError).issues.map((issue) => `${issue.path.join('.')}:${issue.code}`);
      }
      return [];
    };
    expect(code('users', 2)).toEqual(['users:invalid']);
    expect(code(fresh, 1)).toEqual(['users:too_many']);
    expect(code([fresh[0], { ...sampleUser(), version: 2 }], 5)).toEqual(['users.1:not_new']);
    expect(code([{ ...sampleUser(), identityId: 'us-east-1:linked' }], 5)).toEqual(['users.0:not_new']);
  });
});
