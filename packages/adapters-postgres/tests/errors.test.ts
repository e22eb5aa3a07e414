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
import { leavesConnectionUsable, toStoreError } from '../src/errors.js';

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

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, syscall: 'connect', address: '10.0.0.1' });
}

describe('toStoreError', () => {
  it.each([
    ['08006 connection failure', serverError('08006'), 5],
    ['08001 cannot establish', serverError('08001'), 5],
    ['57P01 admin shutdown', serverError('57P01', { severity: 'FATAL' }), 5],
    ['57P02 crash shutdown', serverError('57P02', { severity: 'FATAL' }), 5],
    ['57P03 cannot connect now (starting up)', serverError('57P03', { severity: 'FATAL' }), 5],
    ['53300 too many connections', serverError('53300', { severity: 'FATAL' }), 5],
    ['53200 out of memory', serverError('53200'), 5],
    ['57014 statement timeout', serverError('57014'), 5],
    ['40001 serialization failure', serverError('40001'), 1],
    ['40P01 deadlock', serverError('40P01'), 1],
    ['55P03 lock timeout', serverError('55P03'), 1],
    ['ECONNREFUSED', socketError('ECONNREFUSED'), 5],
    ['ECONNRESET', socketError('ECONNRESET'), 5],
    ['ETIMEDOUT', socketError('ETIMEDOUT'), 5],
    ['EPIPE', socketError('EPIPE'), 5],
    ['ENOTFOUND', socketError('ENOTFOUND'), 5],
    ['ENOENT on a unix socket', socketError('ENOENT'), 5],
    [
      'AggregateError of refused addresses (localhost: ::1 and 127.0.0.1)',
      Object.assign(new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]), {}),
      5,
    ],
    ['pg-pool connect timeout', new Error('timeout exceeded when trying to connect'), 5],
    [
      'pg-pool connection timeout',
      new Error('Connection terminated due to connection timeout', { cause: new Error('x') }),
      5,
    ],
    ['pg connection lost', new Error('Connection terminated unexpectedly'), 5],
    ['pg query_timeout', new Error('Query read timeout'), 5],
    ['pg broken client', new Error('Client has encountered a connection error and is not queryable'), 5],
    ['closed PGlite', new Error('PGlite is closed'), 5],
  ])('maps %s to UpstreamUnavailableError', (_name, error, retryAfterSeconds) => {
    const mapped = toStoreError(error, 'users.create');
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    expect(mapped).toMatchObject({ upstream: 'postgres', retryAfterSeconds });
    expect(mapped.message).toBe(`postgres is unavailable; retry after ${retryAfterSeconds} s.`);
    expect(mapped.cause).toBeInstanceOf(PostgresFailure);
    expect(mapped.cause).toMatchObject({ operation: 'users.create' });
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
