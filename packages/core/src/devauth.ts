import { zxcvbnCommonPasswords } from './domain/common-passwords.js';
import { type DevauthConfig, type DevauthConfigInput, resolveConfig } from './domain/config.js';
import { ConfigurationError } from './domain/errors.js';
import { InvitationRoleAssignmentPolicy } from './domain/invitation-role-policy.js';
import type { CommonPasswordList } from './domain/password-policy.js';
import { uuidv7Generator } from './domain/uuidv7.js';
import { createDefaultPasswordHasher } from './hashing/index.js';
import type { AccountTokenStore } from './ports/account-token-store.port.js';
import { type Clock, systemClock } from './ports/clock.port.js';
import { discardEvents, type EventSink } from './ports/event-sink.port.js';
import type { GuestLinkStore } from './ports/guest-link-store.port.js';
import type { IdGenerator } from './ports/id-generator.port.js';
import type { IdentityBroker } from './ports/identity-broker.port.js';
import type { InvitationStore } from './ports/invitation-store.port.js';
import type { LoginAttemptStore } from './ports/login-attempt-store.port.js';
import type { MessageSender } from './ports/message-sender.port.js';
import type { PasswordHasher } from './ports/password-hasher.port.js';
import type { RefreshTokenStore } from './ports/refresh-token-store.port.js';
import type { RoleAssignmentPolicy } from './ports/role-assignment-policy.port.js';
import type { UserStore } from './ports/user-store.port.js';
import { AdministerUsers } from './use-cases/administer-users.use-case.js';
import { ChangeEmail, ResendEmailVerification } from './use-cases/change-email.use-case.js';
import { ChangePassword } from './use-cases/change-password.use-case.js';
import { ChangeUserAccess } from './use-cases/change-user-access.use-case.js';
import { CompletePasswordReset } from './use-cases/complete-password-reset.use-case.js';
import { CreateGuestIdentity } from './use-cases/create-guest-identity.use-case.js';
import { CreateInvitation } from './use-cases/create-invitation.use-case.js';
import { DeleteAccount } from './use-cases/delete-account.use-case.js';
import { ExportUsers } from './use-cases/export-users.use-case.js';
import { ImportUsers } from './use-cases/import-users.use-case.js';
import { Login } from './use-cases/login.use-case.js';
import { Logout } from './use-cases/logout.use-case.js';
import { ManageSessions } from './use-cases/manage-sessions.use-case.js';
import { RefreshSession } from './use-cases/refresh-session.use-case.js';
import { RegisterUser } from './use-cases/register-user.use-case.js';
import { RequestPasswordReset } from './use-cases/request-password-reset.use-case.js';
import { RevokeUserAccess } from './use-cases/revoke-user-access.use-case.js';
import { VerifyEmail } from './use-cases/verify-email.use-case.js';

/** The adapters devauth needs. Stores and the broker are required; everything else has a production default. */
export interface DevauthDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  /** Password-reset (and email-verification) tokens. */
  readonly accountTokens: AccountTokenStore;
  readonly broker: IdentityBroker;
  /**
   * Delivers reset and verification messages and notifications (the in-memory outbox, SES, a callback). Without
   * it, password reset and email change requests fail with a ConfigurationError, registration sends no verification
   * message (so `requireVerifiedEmail` refuses to start), and no notifications are sent.
   */
  readonly messages?: MessageSender;
  /** Default: argon2id (OWASP m=19456 KiB, t=2, p=1), verifying scrypt, bcrypt and PBKDF2 legacy hashes. */
  readonly hasher?: PasswordHasher;
  /** Default: shopper (the default role) open to all, other roles by invitation or administrator; never admin. */
  readonly rolePolicy?: RoleAssignmentPolicy;
  /** Default: the @zxcvbn-ts common-password list, loaded on first registration. */
  readonly commonPasswords?: CommonPasswordList;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly events?: EventSink;
}

export interface Devauth {
  readonly config: DevauthConfig;
  readonly register: RegisterUser;
  readonly login: Login;
  readonly refresh: RefreshSession;
  readonly logout: Logout;
  readonly guest: CreateGuestIdentity;
  readonly createInvitation: CreateInvitation;
  /** Takes a user's access away (sessions and the Cognito link): for trusted server code. */
  readonly revokeAccess: RevokeUserAccess;
  /** Disable/enable and role changes, revoking access where they lower it: for trusted server code. */
  readonly userAccess: ChangeUserAccess;
  /**
   * User and invitation administration for the admin routes and the operator CLI, authorized in the core by the
   * actor (an active `admin` user, re-read on every call, or the operator) and audited (`AdminAction` events).
   */
  readonly admin: AdministerUsers;
  /** Bringing an existing user base in, and writing it out: for the operator CLI (trusted code). */
  readonly importUsers: ImportUsers;
  readonly exportUsers: ExportUsers;
  /** A signed-in user's own account: */
  readonly changePassword: ChangePassword;
  readonly deleteAccount: DeleteAccount;
  readonly sessions: ManageSessions;
  /** A signed-in user's email address: a change (verified before it replaces the old one), or a resend. */
  readonly changeEmail: ChangeEmail;
  readonly resendEmailVerification: ResendEmailVerification;
  /** Following a verification link (unauthenticated): */
  readonly verifyEmail: VerifyEmail;
  /** Forgotten password (unauthenticated): */
  readonly requestPasswordReset: RequestPasswordReset;
  readonly completePasswordReset: CompletePasswordReset;
}

/**
 * Wires the use cases from adapters, without any container. Cheap: nothing is hashed, loaded or connected here
 * (the default hasher and the common-password list do their work on first use).
 */
export function createDevauth(dependencies: DevauthDependencies, configInput: DevauthConfigInput = {}): Devauth {
  const config = resolveConfig(configInput);
  if (config.requireVerifiedEmail && !dependencies.messages) {
    throw new ConfigurationError('requireVerifiedEmail needs a MessageSender (messages) to send verification links.');
  }
  const clock = dependencies.clock ?? systemClock;
  const events = dependencies.events ?? discardEvents;
  const ids = dependencies.ids ?? uuidv7Generator;
  const hasher = dependencies.hasher ?? createDefaultPasswordHasher();
  const rolePolicy =
    dependencies.rolePolicy ??
    new InvitationRoleAssignmentPolicy({
      invitations: dependencies.invitations,
      roles: config.roles,
      selfServiceRoles: [config.defaultRole],
    });
  const { users, refreshTokens, loginAttempts, invitations, guestLinks, accountTokens, broker, messages } =
    dependencies;
  const commonPasswords = dependencies.commonPasswords ?? zxcvbnCommonPasswords();
  const revokeAccess = new RevokeUserAccess({ users, refreshTokens, broker, clock, events });
  const optionalMessages = messages ? { messages } : {};
  const userAccess = new ChangeUserAccess({ users, revokeAccess, clock, events }, config);
  const createInvitation = new CreateInvitation({ invitations, clock, events }, config);
  return {
    config,
    register: new RegisterUser(
      {
        users,
        loginAttempts,
        hasher,
        rolePolicy,
        commonPasswords,
        clock,
        ids,
        events,
        accountTokens,
        ...optionalMessages,
      },
      config,
    ),
    login: new Login(
      {
        users,
        refreshTokens,
        loginAttempts,
        guestLinks,
        hasher,
        broker,
        clock,
        ids,
        events,
        accountTokens,
        ...optionalMessages,
      },
      config,
    ),
    refresh: new RefreshSession({ users, refreshTokens, broker, clock, events }, config),
    logout: new Logout({ refreshTokens, clock, events }),
    guest: new CreateGuestIdentity({ broker, guestLinks, loginAttempts, clock, events }, config),
    createInvitation,
    revokeAccess,
    userAccess,
    importUsers: new ImportUsers({ users, hasher, revokeAccess, clock, ids, events }, config),
    exportUsers: new ExportUsers({ users }),
    admin: new AdministerUsers(
      {
        users,
        invitations,
        refreshTokens,
        loginAttempts,
        accountTokens,
        broker,
        ...optionalMessages,
        revokeAccess,
        userAccess,
        createInvitation,
        clock,
        events,
      },
      config,
    ),
    changePassword: new ChangePassword(
      { users, refreshTokens, loginAttempts, hasher, broker, commonPasswords, ...optionalMessages, clock, ids, events },
      config,
    ),
    sessions: new ManageSessions({ refreshTokens, clock, events }),
    deleteAccount: new DeleteAccount(
      { users, refreshTokens, loginAttempts, accountTokens, hasher, broker, ...optionalMessages, clock, events },
      config,
    ),
    changeEmail: new ChangeEmail(
      { users, accountTokens, loginAttempts, hasher, ...optionalMessages, clock, events },
      config,
    ),
    resendEmailVerification: new ResendEmailVerification(
      { users, accountTokens, loginAttempts, ...optionalMessages, clock, events },
      config,
    ),
    verifyEmail: new VerifyEmail({ users, accountTokens, ...optionalMessages, clock, events }),
    requestPasswordReset: new RequestPasswordReset(
      { users, accountTokens, loginAttempts, ...optionalMessages, clock, events },
      config,
    ),
    completePasswordReset: new CompletePasswordReset(
      {
        users,
        accountTokens,
        loginAttempts,
        hasher,
        commonPasswords,
        revokeAccess,
        ...optionalMessages,
        clock,
        events,
      },
      config,
    ),
  };
}
