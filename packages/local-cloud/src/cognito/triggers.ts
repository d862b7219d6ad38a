/**
 * The pool's Lambda triggers (`LambdaConfig`), invoked synchronously on the
 * local functions through the LambdaInvoker with the events Cognito sends. A
 * function error fails the call as Cognito does:
 * `UserLambdaValidationException: <Trigger> failed with error <message>.`
 */
import type { LambdaInvoker } from '../types';
import type { PoolConfig } from './config';
import { CognitoError } from './errors';

/** `callerContext.clientId` of calls made with admin credentials. */
export const CLIENT_ID_NOT_APPLICABLE = 'CLIENT_ID_NOT_APPLICABLE';

export interface TriggerCall {
  readonly trigger: string;
  readonly triggerSource: string;
  readonly userName: string;
  readonly clientId: string;
  readonly request: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
  readonly version?: string;
}

export class Triggers {
  constructor(
    private readonly invoker: LambdaInvoker | undefined,
    private readonly region: string,
    private readonly log: (line: string) => void,
  ) {}

  has(pool: PoolConfig, trigger: string): boolean {
    return pool.triggers[trigger] !== undefined;
  }

  /** Invokes the trigger if the pool has one; resolves to the `response` the function returned (`{}` without one). */
  async invoke(pool: PoolConfig, call: TriggerCall): Promise<Record<string, any>> {
    const functionArn = pool.triggers[call.trigger];
    if (!functionArn) return call.response ?? {};
    if (!this.invoker) {
      throw new CognitoError(
        'UserLambdaValidationException',
        `${call.trigger} failed with error the local cloud has no Lambda invoker for ${functionArn}.`,
      );
    }
    const event = {
      version: call.version ?? '1',
      triggerSource: call.triggerSource,
      region: this.region,
      userPoolId: pool.id,
      userName: call.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: call.clientId },
      request: call.request,
      response: call.response ?? {},
    };
    const result = await this.invoker.invoke(functionArn, event);
    if (result.error) {
      this.log(
        `[cognito] ${pool.id} ${call.trigger} trigger (${call.triggerSource}) failed: ${result.error.errorType}: ${result.error.errorMessage}`,
      );
      throw new CognitoError('UserLambdaValidationException', `${call.trigger} failed with error ${result.error.errorMessage}.`);
    }
    const payload = result.payload as { response?: unknown } | null | undefined;
    if (payload === null || typeof payload !== 'object') {
      throw new CognitoError('InvalidLambdaResponseException', 'Unrecognizable lambda output');
    }
    const response = payload.response;
    return response !== null && typeof response === 'object' ? (response as Record<string, any>) : {};
  }
}
