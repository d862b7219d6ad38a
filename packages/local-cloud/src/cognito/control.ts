/**
 * The `/_local/cognito` control endpoint, behind `npm run local -- user`:
 * `POST /_local/cognito/users` with `{ email, admin?, password?, name?, phone?, pool?, issuedSecondsAgo? }`
 * creates a signed-in user in one call, as a developer would through the
 * console: AdminCreateUser (email verified, message suppressed), a permanent
 * password (generated when none is given), the PostConfirmation trigger (so
 * the profile the platform keeps exists), the `admins` group with `admin`,
 * then a sign-in: USER_PASSWORD_AUTH through the first client that allows it,
 * else tokens issued admin-side through the first client without a secret.
 * `issuedSecondsAgo` (for expiry tests) issues the tokens admin-side as of that
 * long ago, signed by the pool: past their validity, they are expired tokens.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ControlHandler, ControlResponse } from '../types';
import { checkPassword, type ClientConfig } from './config';
import { CognitoError } from './errors';
import type { CognitoService } from './service';

/** What `POST /_local/cognito/users` answers. */
export interface CreatedUserAnswer {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly sub: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** Present when the endpoint generated the password. */
  readonly generatedPassword?: string;
  /** Required attributes the request did not give, set to placeholders (`name`, `phone_number`). */
  readonly defaulted?: readonly string[];
  readonly signIn: 'USER_PASSWORD_AUTH' | 'admin';
  readonly tokens: { readonly IdToken: string; readonly AccessToken: string; readonly RefreshToken: string; readonly ExpiresIn: number };
  /** The REST API's base URL, for the ready-to-paste curl. */
  readonly apiUrl?: string;
}

export interface CognitoControlOptions {
  /** The REST API's base URL (known once it listens). */
  readonly apiUrl?: () => string | undefined;
}

const ADMINS = 'admins';
/** A fictional number (555-01xx is reserved for fiction in North America). */
const PLACEHOLDER_PHONE = '+15555550100';

export function cognitoControl(cognito: CognitoService, options: CognitoControlOptions = {}): ControlHandler {
  return async (request): Promise<ControlResponse> => {
    if (request.segments.length !== 1 || request.segments[0] !== 'users') {
      return { status: 404, body: { message: 'the cognito control endpoint serves POST /_local/cognito/users' } };
    }
    if (request.method !== 'POST') return { status: 405, body: { message: 'use POST' }, headers: { allow: 'POST' } };
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return { status: 400, body: { message: 'the body must be JSON' } };
    }
    const pools = cognito.poolIds();
    const pool = typeof input.pool === 'string' ? input.pool : pools.length === 1 ? pools[0] : undefined;
    if (!pool || !pools.includes(pool)) {
      const message =
        pools.length === 0 ? 'the stack has no user pool' : `name the user pool with --pool; the stack has: ${pools.join(', ')}`;
      return { status: 404, body: { message, pools } };
    }
    if (typeof input.email !== 'string' || input.email === '') return { status: 400, body: { message: 'email is required' } };
    try {
      return { status: 201, body: await createUser(cognito, pool, input, options.apiUrl?.()) };
    } catch (error) {
      if (error instanceof CognitoError)
        return { status: error.status, body: { message: `${error.name}: ${error.message}`, error: error.name } };
      throw error;
    }
  };
}

async function createUser(
  cognito: CognitoService,
  poolId: string,
  input: Record<string, unknown>,
  apiUrl: string | undefined,
): Promise<CreatedUserAnswer> {
  const ops = cognito.operations;
  const email = String(input.email);
  const given = typeof input.password === 'string' ? input.password : undefined;
  const policy = (
    (await ops.DescribeUserPool({ UserPoolId: poolId })) as { UserPool: { Policies: { PasswordPolicy: { MinimumLength: number } } } }
  ).UserPool;
  const password = given ?? strongPassword(policy.Policies.PasswordPolicy.MinimumLength);
  // A pool whose schema requires `name` or `phone_number` gets placeholders when none are given
  // (the answer names them), so `npm run local -- user <email>` works on any pool.
  const required = cognito.requiredAttributesOf(poolId);
  const name = typeof input.name === 'string' ? input.name : required.includes('name') ? email.split('@')[0] : undefined;
  const phone = typeof input.phone === 'string' ? input.phone : required.includes('phone_number') ? PLACEHOLDER_PHONE : undefined;
  const defaulted = [
    ...(name !== undefined && typeof input.name !== 'string' ? ['name'] : []),
    ...(phone !== undefined && typeof input.phone !== 'string' ? ['phone_number'] : []),
  ];
  const attributes = [
    { Name: 'email', Value: email },
    { Name: 'email_verified', Value: 'true' },
    ...(name !== undefined ? [{ Name: 'name', Value: name }] : []),
    ...(phone !== undefined
      ? [
          { Name: 'phone_number', Value: phone },
          { Name: 'phone_number_verified', Value: 'true' },
        ]
      : []),
  ];
  const created = (await ops.AdminCreateUser({
    UserPoolId: poolId,
    Username: email,
    UserAttributes: attributes,
    MessageAction: 'SUPPRESS',
  })) as {
    User: { Username: string; Attributes: Array<{ Name: string; Value: string }> };
  };
  const username = created.User.Username;
  await ops.AdminSetUserPassword({ UserPoolId: poolId, Username: username, Password: password, Permanent: true });
  await cognito.confirmCreatedUser(poolId, username);
  const groups: string[] = [];
  if (input.admin === true) {
    await ops.AdminAddUserToGroup({ UserPoolId: poolId, Username: username, GroupName: ADMINS });
    groups.push(ADMINS);
  }
  const { client, signIn } = signInClient(cognito.clientsOf(poolId));
  let tokens: CreatedUserAnswer['tokens'];
  if (typeof input.issuedSecondsAgo === 'number') {
    const issuedAt = Date.now() - input.issuedSecondsAgo * 1000;
    tokens = (await cognito.adminTokens(poolId, client.id, username, issuedAt)) as CreatedUserAnswer['tokens'];
  } else if (signIn === 'USER_PASSWORD_AUTH') {
    const secretHash = client.secret
      ? {
          SECRET_HASH: createHmac('sha256', client.secret)
            .update(email + client.id)
            .digest('base64'),
        }
      : {};
    const answer = (await ops.InitiateAuth({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: client.id,
      AuthParameters: { USERNAME: email, PASSWORD: password, ...secretHash },
    })) as { AuthenticationResult: CreatedUserAnswer['tokens'] };
    tokens = answer.AuthenticationResult;
  } else {
    tokens = (await cognito.adminTokens(poolId, client.id, username)) as CreatedUserAnswer['tokens'];
  }
  const sub = created.User.Attributes.find((a) => a.Name === 'sub')?.Value ?? username;
  return {
    poolId,
    clientId: client.id,
    username,
    sub,
    email,
    groups,
    ...(given === undefined ? { generatedPassword: password } : {}),
    ...(defaulted.length ? { defaulted } : {}),
    signIn: typeof input.issuedSecondsAgo === 'number' ? 'admin' : signIn,
    tokens,
    ...(apiUrl ? { apiUrl } : {}),
  };
}

/** The client to sign in with: one that allows USER_PASSWORD_AUTH, else the first user (non-machine) client, signed in admin-side. */
function signInClient(clients: readonly ClientConfig[]): { client: ClientConfig; signIn: 'USER_PASSWORD_AUTH' | 'admin' } {
  const withPassword = clients.find((c) => c.authFlows.has('ALLOW_USER_PASSWORD_AUTH'));
  if (withPassword) return { client: withPassword, signIn: 'USER_PASSWORD_AUTH' };
  const user = clients.find((c) => !c.oauthFlows.includes('client_credentials')) ?? clients[0];
  if (!user) throw new CognitoError('ResourceNotFoundException', 'the user pool has no client to sign in with', 404);
  return { client: user, signIn: 'admin' };
}

/** A password with every character class, long enough for any policy (and checked against the default one). */
export function strongPassword(minimumLength = 8): string {
  const length = Math.max(minimumLength, 16);
  const body = randomBytes(length)
    .toString('base64url')
    .replace(/[-_]/g, '')
    .slice(0, length - 4);
  const password = `${body}Aa1!`;
  checkPassword(
    {
      minimumLength,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
      temporaryPasswordValidityDays: 7,
    },
    password,
  );
  return password;
}
