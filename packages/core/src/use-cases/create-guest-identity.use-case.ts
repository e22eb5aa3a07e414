import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import { publishSafely } from './publish.js';

export interface GuestIdentity {
  readonly identityId: string;
  readonly role: 'guest';
}

/**
 * A new unauthenticated identity. The client gets guest credentials for it (GetCredentialsForIdentity without
 * logins) and passes it to login later, which upgrades it in place.
 */
export class CreateGuestIdentity {
  constructor(
    private readonly deps: { readonly broker: IdentityBroker; readonly clock: Clock; readonly events: EventSink },
  ) {}

  async execute(): Promise<GuestIdentity> {
    const { identityId } = await this.deps.broker.createGuestIdentity();
    publishSafely(this.deps.events, { type: 'GuestIdentityCreated', at: this.deps.clock.now(), identityId });
    return { identityId, role: 'guest' };
  }
}
