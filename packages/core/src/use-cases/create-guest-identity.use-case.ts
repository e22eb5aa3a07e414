import type { DevauthConfig } from '../domain/config.js';
import { mintGuestLink } from '../domain/guest-link.js';
import { throttleAddress } from '../domain/source-address.js';
import { guestThrottleKey } from '../domain/throttle.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { GuestLinkStore } from '../ports/guest-link-store.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import { publishSafely } from './publish.js';
import { reserveAttempts } from './reserve-attempts.js';

export interface GuestIdentity {
  readonly identityId: string;
  readonly role: 'guest';
  /**
   * The proof a later login needs to upgrade this identity in place (256 random bits, shown once, stored as a
   * digest). Keep it with the guest's session, like a refresh token; the IdentityId alone links nothing.
   */
  readonly guestLinkSecret: string;
  readonly guestLinkExpiresAt: Date;
}

export interface CreateGuestIdentityDependencies {
  readonly broker: IdentityBroker;
  readonly guestLinks: GuestLinkStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly clock: Clock;
  readonly events: EventSink;
}

/** Facts the edge knows about the request, never taken from the body. */
export interface GuestContext {
  readonly sourceAddress?: string;
}

/**
 * A new unauthenticated identity and its guest link secret. The client gets guest credentials for the identity
 * (GetCredentialsForIdentity without logins) and passes both to login later, which upgrades the identity in place.
 * Rate-limited per source address (`guestRateLimit`): each guest costs a GetId, whose quota the whole account shares.
 */
export class CreateGuestIdentity {
  constructor(
    private readonly deps: CreateGuestIdentityDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(context: GuestContext = {}): Promise<GuestIdentity> {
    const now = this.deps.clock.now();
    if (context.sourceAddress) {
      const key = guestThrottleKey(throttleAddress(context.sourceAddress));
      await reserveAttempts(this.deps.loginAttempts, [{ key, policy: this.config.guestRateLimit }], now);
    }
    const { identityId } = await this.deps.broker.createGuestIdentity();
    const link = mintGuestLink({ identityId, now, ttlSeconds: this.config.guestLinkTtlSeconds });
    await this.deps.guestLinks.create(link.record);
    publishSafely(this.deps.events, { type: 'GuestIdentityCreated', at: now, identityId });
    return { identityId, role: 'guest', guestLinkSecret: link.secret, guestLinkExpiresAt: link.record.expiresAt };
  }
}
