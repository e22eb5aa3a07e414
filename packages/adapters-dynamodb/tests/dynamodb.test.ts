import { createDynamoDbStores } from '@devauth/adapters-dynamodb';
import { nextVersion } from '@devauth/core';
import { sampleDate, sampleUser, tally, uniqueSuffix } from '@devauth/core/testing';
import {
  describeAccountTokenStoreContract,
  describeGuestLinkStoreContract,
  describeInvitationStoreContract,
  describeLoginAttemptStoreContract,
  describeRefreshTokenStoreContract,
  describeUserStoreContract,
} from '@devauth/core/testing/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { itemToUser } from '../src/mappers.js';
import { describeAdministration } from './administration.js';
import { describeStoreBehaviour } from './store-behaviour.js';
import { newClient, newTable, scanAll, startTestEngine } from './support.js';

// One engine and one table for the whole file: the contract suites use unique keys, and the orphan check at the end
// scans the table every test above wrote to.
const engine = await startTestEngine();
afterAll(() => engine.stop());

if (!engine.available) {
  describe.skip(`DynamoDB contract suites (${engine.reason})`, () => {
    it('needs an engine', () => {});
  });
} else {
  const client = newClient(engine.endpoint);
  const tableName = await newTable(client);
  const stores = createDynamoDbStores({ client, tableName });

  // Default concurrency: 100 parallel registrations, 20 parallel identity links, 20 parallel rotations, 50 parallel
  // failures and reservations, 20 consumers of one invitation, of one guest link and of one account token.
  describeUserStoreContract('DynamoDB', { setup: () => stores.users });
  describeRefreshTokenStoreContract('DynamoDB', { setup: () => stores.refreshTokens });
  describeLoginAttemptStoreContract('DynamoDB', { setup: () => stores.loginAttempts });
  describeInvitationStoreContract('DynamoDB', { setup: () => stores.invitations });
  describeGuestLinkStoreContract('DynamoDB', { setup: () => stores.guestLinks });
  describeAccountTokenStoreContract('DynamoDB', { setup: () => stores.accountTokens });
  describeStoreBehaviour(client, tableName, stores);
  // Listing, import and backfill, on tables of their own (the orphan check below scans this file's main table).
  describeAdministration(engine.endpoint);

  describe('DynamoDB user races beyond the contract', () => {
    it('lets one of 30 parallel renames to one username win', async () => {
      const target = `rename_${uniqueSuffix()}`;
      const users = Array.from({ length: 30 }, () => sampleUser());
      await Promise.all(users.map((user) => stores.users.create(user)));
      const outcome = await tally(
        users.map((user) => stores.users.update(nextVersion(user, { username: target }, sampleDate(1)))),
      );
      expect(outcome).toEqual({ ok: 1, UsernameTakenError: 29 });
    });

    it('lets one of 30 parallel updates of one version win, moving the email once', async () => {
      const user = sampleUser();
      await stores.users.create(user);
      const outcome = await tally(
        Array.from({ length: 30 }, () =>
          stores.users.update(nextVersion(user, { email: `moved_${uniqueSuffix()}@example.test` }, sampleDate(1))),
        ),
      );
      expect(outcome).toEqual({ ok: 1, VersionConflictError: 29 });
    });

    it('keeps markers consistent when deletes race with updates', async () => {
      const users = Array.from({ length: 20 }, () => sampleUser());
      await Promise.all(users.map((user) => stores.users.create(user)));
      await Promise.allSettled(
        users.flatMap((user) => [
          stores.users.delete(user.id),
          stores.users.update(nextVersion(user, { username: `moved_${uniqueSuffix()}` }, sampleDate(1))),
        ]),
      );
      for (const user of users) expect(await stores.users.findById(user.id)).toBeNull();
    });
  });

  describe('DynamoDB table after every race above', () => {
    it('holds no orphan marker: every marker points at its user, every user has its markers and copy', async () => {
      const items = await scanAll(client, tableName);
      const users = new Map(items.filter((item) => item.type?.S === 'user').map((item) => [item.userId?.S, item]));
      const usernameMarkers = items.filter((item) => item.type?.S === 'username');
      const emailMarkers = items.filter((item) => item.type?.S === 'email');
      const identityMarkers = items.filter((item) => item.type?.S === 'identity');
      expect(users.size).toBeGreaterThan(50);
      expect(identityMarkers.length).toBeGreaterThan(0);

      const orphans = [...usernameMarkers, ...emailMarkers, ...identityMarkers].filter(
        (marker) => !users.has(marker.userId?.S),
      );
      expect(orphans.map((marker) => marker.PK?.S)).toEqual([]);

      const markerByKey = new Map(
        [...usernameMarkers, ...emailMarkers, ...identityMarkers].map((marker) => [marker.PK?.S, marker]),
      );
      for (const item of users.values()) {
        const user = itemToUser(item);
        const usernameMarker = markerByKey.get(`USERNAME#${user.username}`);
        expect(usernameMarker?.userId?.S).toBe(user.id);
        // The login copy is the user, field for field.
        expect(itemToUser(usernameMarker!)).toEqual(user);
        if (user.email !== null) {
          const emailMarker = markerByKey.get(`EMAIL#${user.email}`);
          expect(emailMarker?.userId?.S).toBe(user.id);
          // So is the login-by-email copy, rewritten by every update.
          expect(itemToUser(emailMarker!)).toEqual(user);
        }
        if (user.identityId !== null) {
          expect(markerByKey.get(`IDENTITY#${user.identityId}`)?.userId?.S).toBe(user.id);
        }
      }
      expect(usernameMarkers).toHaveLength(users.size);
      expect(emailMarkers).toHaveLength([...users.values()].filter((item) => item.email !== undefined).length);
      expect(identityMarkers).toHaveLength([...users.values()].filter((item) => item.identityId !== undefined).length);
    });
  });
}
