/**
 * Service errors with the exception names and HTTP shapes Amazon Cognito Identity uses, so the unmodified AWS SDK
 * raises the same exception classes against the emulator as against AWS: status 400 (500 for internal errors), the
 * `x-amzn-ErrorType` header and a `{"__type": ..., "message": ...}` body.
 */
export class CognitoServiceError extends Error {
  constructor(
    /** The exception name, e.g. `NotAuthorizedException`. */
    readonly type: string,
    message: string,
    readonly statusCode = 400,
    /** Extra response headers (e.g. `Retry-After` for injected throttling). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export const invalidParameter = (message: string): CognitoServiceError =>
  new CognitoServiceError('InvalidParameterException', message);

export const notAuthorized = (message: string): CognitoServiceError =>
  new CognitoServiceError('NotAuthorizedException', message);

export const resourceNotFound = (message: string): CognitoServiceError =>
  new CognitoServiceError('ResourceNotFoundException', message);

export const resourceConflict = (message: string): CognitoServiceError =>
  new CognitoServiceError('ResourceConflictException', message);

export const developerUserAlreadyRegistered = (): CognitoServiceError =>
  new CognitoServiceError(
    'DeveloperUserAlreadyRegisteredException',
    'The developer user identifier is already registered under a different identity ID.',
  );

export const serializationError = (message: string): CognitoServiceError =>
  new CognitoServiceError('SerializationException', message);

/** What AWS JSON services answer to an unsigned request on an operation that requires SigV4. */
export const missingAuthenticationToken = (): CognitoServiceError =>
  new CognitoServiceError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');

export const internalError = (message = 'An internal error occurred.'): CognitoServiceError =>
  new CognitoServiceError('InternalErrorException', message, 500);

export function isServiceError(error: unknown): error is CognitoServiceError {
  return error instanceof CognitoServiceError;
}
