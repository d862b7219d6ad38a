/**
 * A Cognito user-pool error as the service reports it: `name` is the AWS JSON
 * 1.1 error type (`__type`, the SDK's exception class), `status` the HTTP status.
 */
export class CognitoError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = name;
  }
}

export const invalidParameter = (message: string) => new CognitoError('InvalidParameterException', message);
export const notAuthorized = (message = 'Incorrect username or password.') => new CognitoError('NotAuthorizedException', message);
export const userNotFound = () => new CognitoError('UserNotFoundException', 'User does not exist.');
export const resourceNotFound = (message: string) => new CognitoError('ResourceNotFoundException', message);
