/**
 * Refusals of GetOpenIdTokenForDeveloperIdentity while linking a developer user to a given IdentityId that a retry
 * without IdentityId resolves: the user then signs in on its own identity instead of failing. The identity may
 * belong to someone else (DeveloperUserAlreadyRegistered, ResourceConflict), be gone (ResourceNotFound), be one the
 * caller may not link (NotAuthorized), or be malformed for this pool (InvalidParameter on the identity). A refusal
 * that is a real misconfiguration (say, a wrong developer provider name) fails the retry too and is reported then.
 */
export const LINK_REFUSALS: ReadonlySet<string> = new Set([
  'DeveloperUserAlreadyRegisteredException',
  'ResourceConflictException',
  'ResourceNotFoundException',
  'NotAuthorizedException',
  'InvalidParameterException',
]);

/**
 * Reports each refused link (they may be attacks on someone's guest identity, or a bug worth seeing), at most
 * `limit` lines per `windowMs`, then one line saying how many were left out. Rate-limited rather than once per
 * instance: a warm Lambda must keep reporting, a flood must not flood the logs.
 */
export class RateLimitedReporter {
  private windowStart = 0;
  private reported = 0;
  private suppressed = 0;

  constructor(
    private readonly report: (message: string) => void,
    private readonly now: () => number,
    private readonly limit = 10,
    private readonly windowMs = 60_000,
  ) {}

  note(message: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        this.report(`[devauth/adapters-cognito] ${this.suppressed} further link refusals were not logged.`);
      }
      this.windowStart = now;
      this.reported = 0;
      this.suppressed = 0;
    }
    if (this.reported < this.limit) {
      this.reported++;
      this.report(message);
    } else {
      this.suppressed++;
    }
  }
}
