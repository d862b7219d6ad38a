/**
 * The users integration tests' shared harness: the event Cognito sends the
 * post-confirmation trigger (`register-profile`) when a user confirms sign-up,
 * as the user pool `storefront` client's sign-ups produce it.
 */
import type { PostConfirmationTriggerEvent } from 'aws-lambda';

/** What a sign-up gives the pool: the user's standard attributes. */
export interface SignUpAttributes {
  readonly email: string;
  readonly name: string;
  readonly phone: string;
}

/** The PostConfirmation_ConfirmSignUp event of the user `sub`, email verified. */
export function confirmedSignUp(sub: string, { email, name, phone }: SignUpAttributes): PostConfirmationTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_pool',
    userName: sub,
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'storefront' },
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    request: { userAttributes: { sub, email, name, phone_number: phone, email_verified: 'true' } },
    response: {},
  };
}
