import { inspect } from 'node:util';
import { PostgresFailure } from '@devauth/adapters-postgres';
import {
  ConfigurationError,
  EmailTakenError,
  UpstreamUnavailableError,
  UsernameTakenError,
  VersionConflictError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { leavesConnectionUsable, markRaisedBeforeSending, toStoreError } from '../src/errors.js';

/** A server error as pg and PGlite raise it (pg-protocol's DatabaseError fields). */
function serverError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('server said so: Key (email)=(alice@example.test) already exists.'), {
    severity: 'ERROR',
    code,
    detail: 'Key (email)=(alice@example.test) already exists.',
    params: ['$argon2id$secret-hash'],
    query: 'INSERT ...',
    ...extra,
  });
}

function socketError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 10.0.0.1:5432`), { code, syscall, address: '10.0.0.1' });
}

describe('toStoreError', () => {
  // [case, error, retryAfterSeconds, notApplied]: notApplied only where the statement certainly had no effect.
  it.each([
    ['08006 connection failure', serverError('08006', { severity: 'FATAL' }), 5, false],
    ['08001 cannot establish', serverError('08001', { severity: 'FATAL' }), 5, true],
    ['08004 server rejected the connection', serverError('08004', { severity: 'FATAL' }), 5, true],
    [
      '57P01 admin shutdown (answer to a statement: it may have committed)',
      serverError('57P01', { severity: 'FATAL' }),
      5,
      false,
    ],
    ['57P02 crash shutdown', serverError('57P02', { severity: 'FATAL' }), 5, false],
    ['57P03 cannot connect now (starting up)', serverError('57P03', { severity: 'FATAL' }), 5, true],
    ['53300 too many connections', serverError('53300', { severity: 'FATAL' }), 5, true],
    ['53200 out of memory (statement rolled back)', serverError('53200'), 5, true],
    ['53100 disk full (statement rolled back)', serverError('53100'), 5, true],
    ['57014 statement timeout (statement rolled back)', serverError('57014'), 5, true],
    ['25P03 idle-in-transaction timeout', serverError('25P03', { severity: 'FATAL' }), 5, false],
    ['40001 serialization failure (rolled back)', serverError('40001'), 1, true],
    ['40P01 deadlock (rolled back)', serverError('40P01'), 1, true],
    ['55P03 lock timeout (rolled back)', serverError('55P03'), 1, true],
    ['ECONNREFUSED', socketError('ECONNREFUSED'), 5, true],
    ['ECONNRESET (after sending: may have committed)', socketError('ECONNRESET', 'read'), 5, false],
    ['ETIMEDOUT while connecting', socketError('ETIMEDOUT'), 5, true],
    ['ETIMEDOUT on an open connection', socketError('ETIMEDOUT', 'read'), 5, false],
    ['EHOSTUNREACH while connecting', socketError('EHOSTUNREACH'), 5, true],
    ['EPIPE (writing to a dead connection)', socketError('EPIPE', 'write'), 5, false],
    ['ENOTFOUND (DNS)', socketError('ENOTFOUND', 'getaddrinfo'), 5, true],
    ['EAI_AGAIN (DNS)', socketError('EAI_AGAIN', 'getaddrinfo'), 5, true],
    ['ENOENT on a unix socket', socketError('ENOENT'), 5, true],
    [
      'AggregateError of refused addresses (localhost: ::1 and 127.0.0.1)',
      Object.assign(new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]), {}),
      5,
      true,
    ],
    [
      'AggregateError of one refused and one reset address',
      Object.assign(new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNRESET', 'read')]), {}),
      5,
      false,
    ],
    ['pg-pool connect timeout', new Error('timeout exceeded when trying to connect'), 5, true],
    [
      'pg connection timeout',
      new Error('Connection terminated due to connection timeout', { cause: new Error('x') }),
      5,
      true,
    ],
    ['pg connection lost', new Error('Connection terminated unexpectedly'), 5, false],
    ['pg query_timeout (client side: the statement runs on)', new Error('Query read timeout'), 5, false],
    [
      'pg broken client (refuses before sending)',
      new Error('Client has encountered a connection error and is not queryable'),
      5,
      true,
    ],
    ['pg closed client', new Error('Client was closed and is not queryable'), 5, true],
    ['closed PGlite', new Error('PGlite is closed'), 5, true],
  ])('maps %s to UpstreamUnavailableError', (_name, error, retryAfterSeconds, notApplied) => {
    const mapped = toStoreError(error, 'users.create');
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    expect(mapped).toMatchObject({ upstream: 'postgres', retryAfterSeconds, notApplied });
    expect(mapped.message).toBe(`postgres is unavailable; retry after ${retryAfterSeconds} s.`);
    expect(mapped.cause).toBeInstanceOf(PostgresFailure);
    expect(mapped.cause).toMatchObject({ operation: 'users.create' });
  });

  it('reports a failure raised before anything was sent (a failed pool checkout) as notApplied, whatever it is', () => {
    // Alone, these may come after the statement went out; raised by pool.connect(), nothing was sent.
    for (const error of [
      serverError('57P01', { severity: 'FATAL' }),
      socketError('ECONNRESET', 'read'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(toStoreError(error, 'users.create')).toMatchObject({ notApplied: false });
      expect(toStoreError(markRaisedBeforeSending(error), 'users.create')).toMatchObject({ notApplied: true });
    }
    expect(markRaisedBeforeSending('not an object')).toBe('not an object');
  });

  it('recognizes rolled-back statements by SQLSTATE when the server reports a localized severity', () => {
    for (const code of ['57014', '55P03', '40001', '40P01', '57P03']) {
      expect(toStoreError(serverError(code, { severity: 'FEHLER' }), 'x')).toMatchObject({ notApplied: true });
    }
    // Other transient codes then count as possibly applied: only an unlocalized ERROR proves the rollback.
    expect(toStoreError(serverError('53200', { severity: 'FEHLER' }), 'x')).toMatchObject({ notApplied: false });
  });

  it('labels a pg client connect timeout CONNECT_TIMEOUT, a lost connection CONNECTION_TERMINATED', () => {
    expect(toStoreError(new Error('Connection terminated due to connection timeout'), 'x').cause).toMatchObject({
      code: 'CONNECT_TIMEOUT',
    });
    expect(toStoreError(new Error('Connection terminated unexpectedly'), 'x').cause).toMatchObject({
      code: 'CONNECTION_TERMINATED',
    });
  });

  it('maps unique violations by constraint name, through the store-supplied mapping only', () => {
    const byConstraint = (constraint: string | undefined) =>
      constraint === 'devauth_users_username_key'
        ? new UsernameTakenError()
        : constraint === 'devauth_users_email_key'
          ? new EmailTakenError()
          : undefined;
    const violation = (constraint: string) => serverError('23505', { constraint });
    expect(toStoreError(violation('devauth_users_username_key'), 'users.create', byConstraint)).toBeInstanceOf(
      UsernameTakenError,
    );
    expect(toStoreError(violation('devauth_users_email_key'), 'users.update', byConstraint)).toBeInstanceOf(
      EmailTakenError,
    );
    const other = toStoreError(violation('devauth_users_pkey'), 'users.create', byConstraint);
    expect(other).toBeInstanceOf(ConfigurationError);
    expect(other.message).toBe('PostgreSQL failed users.create (SQLSTATE 23505 on devauth_users_pkey).');
  });

  it.each([
    ['42P01 undefined table', '42P01', /the devauth tables are missing or outdated; run migrate\(\)/],
    ['42703 undefined column', '42703', /run migrate\(\)/],
    ['28P01 wrong password', '28P01', /check the database name, role and grants/],
    ['3D000 unknown database', '3D000', /check the database name, role and grants/],
    ['42501 insufficient privilege', '42501', /check the database name, role and grants/],
    ['22P02 invalid text', '22P02', /^PostgreSQL failed users\.findById \(SQLSTATE 22P02\)\.$/],
    ['XX000 internal error', 'XX000', /^PostgreSQL failed users\.findById \(SQLSTATE XX000\)\.$/],
  ])('maps %s to a ConfigurationError naming the SQLSTATE', (_name, code, message) => {
    const mapped = toStoreError(serverError(code), 'users.findById');
    expect(mapped).toBeInstanceOf(ConfigurationError);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toContain(code);
    expect(mapped.cause).toMatchObject({ operation: 'users.findById', code });
  });

  it('names only the class of an error it does not recognize', () => {
    const mapped = toStoreError(new TypeError('cannot read x of $argon2id$secret-hash'), 'users.update');
    expect(mapped).toBeInstanceOf(ConfigurationError);
    expect(mapped.message).toBe('PostgreSQL client failed users.update (TypeError).');
  });

  it('passes devauth errors through unchanged', () => {
    const conflict = new VersionConflictError('user');
    expect(toStoreError(conflict, 'users.update')).toBe(conflict);
  });

  it('never carries a value, a statement, a parameter or the driver error itself', () => {
    const errors = [serverError('23505', { constraint: 'x' }), serverError('57014'), serverError('22P02')];
    for (const error of errors) {
      const printed = inspect(toStoreError(error, 'users.create'), { depth: 10, showHidden: true });
      for (const secret of ['alice@example.test', 'secret-hash', 'INSERT', 'server said so']) {
        expect(printed).not.toContain(secret);
      }
    }
  });
});

describe('leavesConnectionUsable (whether a pooled connection goes back to the pool)', () => {
  it('keeps connections after statement errors the server reported', () => {
    for (const code of ['23505', '57014', '40001', '22P02', '42P01'])
      expect(leavesConnectionUsable(serverError(code))).toBe(true);
  });

  it('discards connections that broke, were shut down, or still run an abandoned statement', () => {
    expect(leavesConnectionUsable(serverError('57P01', { severity: 'FATAL' }))).toBe(false);
    expect(leavesConnectionUsable(serverError('08006'))).toBe(false);
    expect(leavesConnectionUsable(socketError('ECONNRESET'))).toBe(false);
    expect(leavesConnectionUsable(new Error('Query read timeout'))).toBe(false);
    expect(leavesConnectionUsable(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});
