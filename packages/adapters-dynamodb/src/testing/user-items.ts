import type { UserRecord } from '@devauth/core';
import { emailMarkerItem, hasEmail, userItem, usernameMarkerItem } from '../mappers.js';
import type { Item } from '../requests.js';

/**
 * The items `users.create` and `users.createMany` put for one user (the user item, its username marker and, with an
 * address, its email marker), so a benchmark can write exactly the same items another way (BatchWriteItem).
 */
export function userItemsOf(user: UserRecord): Item[] {
  return [userItem(user), usernameMarkerItem(user), ...(hasEmail(user) ? [emailMarkerItem(user)] : [])];
}
