import type { Devauth, UserStore } from '@devauth/core';
import type { DependencyContainer } from 'tsyringe';
import type { Logger } from './logger.js';

/**
 * Port overrides, by core token: `{ [TOKENS.PasswordHasher]: myHasher }` or a Map. Anything registered here wins over
 * what the configuration would build (stores, broker, hasher, clock, event sink, ...).
 */
export type Overrides = ReadonlyMap<symbol, unknown> | Readonly<Record<symbol, unknown>>;

export interface ComposeOptions {
  readonly overrides?: Overrides;
  /** Parent container (default: tsyringe's root); devauth registers in a child of it. */
  readonly container?: DependencyContainer;
  /**
   * Where the admin audit trail goes when no EventSink is registered (`AdminAction` and `AdminAccessDenied` events as
   * `audit` lines, see audit.ts). Default: JSON lines on stdout.
   */
  readonly logger?: Logger;
}

export interface Composition {
  readonly devauth: Devauth;
  readonly users: UserStore;
  /** The identity pool the broker speaks for (the configured one, or the fake broker's): the guard checks it. */
  readonly identityPoolId: string;
  readonly container: DependencyContainer;
  /** Releases what the composition opened (PGlite, pg pool, SDK client). */
  readonly close: () => Promise<void>;
}
