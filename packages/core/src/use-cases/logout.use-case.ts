import { ValidationError } from '../domain/errors.js';
import { type LogoutInput, logoutInputSchema } from '../domain/schemas.js';
import { digestSecretToken, isSecretTokenShape, REFRESH_TOKEN_PREFIX } from '../domain/secret-token.js';
import { parseInput } from '../domain/validation.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import { publishSafely } from './publish.js';

export interface LogoutDependencies {
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Logout revokes the refresh-token family of the presented token: every token of that login session stops working.
 * It is idempotent and says nothing about unknown tokens (logging out twice is not an error). OpenID tokens and AWS
 * credentials already issued live until they expire (15 min / 1 h by default): Cognito cannot revoke them.
 */
export class Logout {
  constructor(private readonly deps: LogoutDependencies) {}

  async execute(input: LogoutInput | unknown): Promise<void> {
    const { refreshToken } = parseInput(logoutInputSchema, input);
    if (!isSecretTokenShape(refreshToken, REFRESH_TOKEN_PREFIX)) {
      throw ValidationError.single('refreshToken', 'invalid_format', 'is not a refresh token');
    }
    const token = await this.deps.refreshTokens.find(digestSecretToken(refreshToken));
    if (!token || token.status === 'revoked') return;
    await this.deps.refreshTokens.revokeFamily(token.familyId);
    publishSafely(this.deps.events, {
      type: 'LoggedOut',
      at: this.deps.clock.now(),
      userId: token.userId,
      familyId: token.familyId,
    });
  }
}
