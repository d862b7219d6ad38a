/**
 * Cognito user pools in memory (optionally persisted to a data dir), served at
 * the edge as service `cognito-idp` (AWS JSON 1.1,
 * `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`), provisioned
 * from the stack's `AWS::Cognito::UserPool`, `UserPoolClient` and
 * `UserPoolGroup` resources. Tokens are RS256 JWTs with Cognito's claims,
 * signed with one key per pool and verifiable against the JWKS served at
 * `<issuerBase>/<poolId>/.well-known/jwks.json`; the pool's Lambda triggers run
 * on the local functions.
 */
import { randomUUID } from 'node:crypto';
import type * as Sdk from '@aws-sdk/client-cognito-identity-provider';
import { jsonProtocol } from '../protocol/json';
import type { EdgeHandler, EdgeRequest, EdgeResponse } from '../types';
import { CognitoAccounts } from './accounts';
import type { ClientConfig } from './config';
import { CognitoError } from './errors';
import { cognitoDomainUrl } from './identity';
import type { Jwks } from './keys';
import {
  COGNITO_TARGET_PREFIX,
  PUBLIC_OPERATIONS,
  WELL_KNOWN,
  headerValue,
  isCognitoPreflight,
  isSigned,
  isUnsignedCognitoCall,
  type CognitoServiceOptions,
  type DeliveredMessage,
} from './model';
import { OAUTH_PATH, serveOAuthToken } from './oauth';
import { CLIENT_ID_NOT_APPLICABLE } from './triggers';

/** One operation of the table: the request's JSON in, the answer's out (or a `CognitoError`). */
export type CognitoOperation = (input: object) => Promise<object>;

export type { CognitoServiceOptions, DeliveredMessage } from './model';
export { PUBLIC_OPERATIONS, isCognitoPreflight, isUnsignedCognitoCall } from './model';

/**
 * The local Cognito. Guarantees:
 * - every pool, client and group of the stack exists from the start under its
 *   physical id (`Ref`); a pool's settings (username attributes, password
 *   policy, auto-verified attributes, triggers) and a client's (auth flows,
 *   token validities, secret) come from the template, with Cognito's defaults;
 * - operations take and answer the shapes of the Cognito API and fail with its
 *   error types and messages (HTTP 400), so the SDK raises the same exceptions;
 * - id and access tokens are RS256 JWTs with Cognito's claims, `iss` =
 *   `<issuerBase>/<poolId>`, and verify against `jwks(poolId)`; refresh tokens are
 *   opaque; GlobalSignOut revokes the user's refresh tokens and the access
 *   tokens issued with them;
 * - confirmation codes and temporary passwords are logged and kept
 *   (`confirmationCode`, `messages`) instead of being emailed.
 */
export class CognitoService extends CognitoAccounts {
  /** Serves `cognito-idp` at the edge: the AWS JSON 1.1 calls, the pools' `.well-known` documents, CORS preflights. */
  readonly handler: EdgeHandler = (request) => this.handle(request);
  /** The operation table, by operation name, served through the shared protocol layer (inputs as the API's JSON). */
  readonly operations: Readonly<Record<string, CognitoOperation>>;
  private readonly json: EdgeHandler;

  constructor(options: CognitoServiceOptions) {
    super(options);
    const ops: Record<string, (input: any) => Promise<object>> = {
      SignUp: (i: Sdk.SignUpRequest) => this.signUp(i),
      ConfirmSignUp: (i: Sdk.ConfirmSignUpRequest) => this.confirmSignUp(i),
      ResendConfirmationCode: (i: Sdk.ResendConfirmationCodeRequest) => this.resendConfirmationCode(i),
      ForgotPassword: (i: Sdk.ForgotPasswordRequest) => this.forgotPassword(i),
      ConfirmForgotPassword: (i: Sdk.ConfirmForgotPasswordRequest) => this.confirmForgotPassword(i),
      InitiateAuth: (i: Sdk.InitiateAuthRequest) => this.initiateAuth(i),
      RespondToAuthChallenge: (i: Sdk.RespondToAuthChallengeRequest) => this.respondToAuthChallenge(i),
      GetUser: (i: Sdk.GetUserRequest) => this.getUser(i),
      GlobalSignOut: (i: Sdk.GlobalSignOutRequest) => this.globalSignOut(i),
      RevokeToken: (i: Sdk.RevokeTokenRequest) => this.revokeToken(i),
      ChangePassword: (i: Sdk.ChangePasswordRequest) => this.changePassword(i),
      AdminConfirmSignUp: (i: Sdk.AdminConfirmSignUpRequest) => this.adminConfirmSignUp(i),
      AdminCreateUser: (i: Sdk.AdminCreateUserRequest) => this.adminCreateUser(i),
      AdminSetUserPassword: (i: Sdk.AdminSetUserPasswordRequest) => this.adminSetUserPassword(i),
      AdminGetUser: (i: Sdk.AdminGetUserRequest) => this.adminGetUser(i),
      AdminDeleteUser: (i: Sdk.AdminDeleteUserRequest) => this.adminDeleteUser(i),
      AdminDisableUser: (i: Sdk.AdminDisableUserRequest) => this.adminSetEnabled(i, false),
      AdminEnableUser: (i: Sdk.AdminEnableUserRequest) => this.adminSetEnabled(i, true),
      AdminUpdateUserAttributes: (i: Sdk.AdminUpdateUserAttributesRequest) => this.adminUpdateUserAttributes(i),
      AdminUserGlobalSignOut: (i: Sdk.AdminUserGlobalSignOutRequest) => this.adminUserGlobalSignOut(i),
      AdminAddUserToGroup: (i: Sdk.AdminAddUserToGroupRequest) => this.adminAddUserToGroup(i),
      AdminRemoveUserFromGroup: (i: Sdk.AdminRemoveUserFromGroupRequest) => this.adminRemoveUserFromGroup(i),
      AdminListGroupsForUser: (i: Sdk.AdminListGroupsForUserRequest) => this.adminListGroupsForUser(i),
      AdminInitiateAuth: (i: Sdk.AdminInitiateAuthRequest) => this.adminInitiateAuth(i),
      AdminRespondToAuthChallenge: (i: Sdk.AdminRespondToAuthChallengeRequest) => this.adminRespondToAuthChallenge(i),
      ListUsers: (i: Sdk.ListUsersRequest) => this.listUsers(i),
      ListUsersInGroup: (i: Sdk.ListUsersInGroupRequest) => this.listUsersInGroup(i),
      CreateGroup: (i: Sdk.CreateGroupRequest) => this.createGroup(i),
      GetGroup: (i: Sdk.GetGroupRequest) => this.getGroup(i),
      ListGroups: (i: Sdk.ListGroupsRequest) => this.listGroups(i),
      DescribeUserPool: (i: Sdk.DescribeUserPoolRequest) => this.describeUserPool(i),
      DescribeUserPoolClient: (i: Sdk.DescribeUserPoolClientRequest) => this.describeUserPoolClient(i),
    };
    const table: Record<string, CognitoOperation> = {};
    for (const [name, op] of Object.entries(ops)) table[name] = (input) => this.persisting(() => op(input));
    this.operations = Object.freeze(table);
    this.json = jsonProtocol({
      version: '1.1',
      targetPrefix: COGNITO_TARGET_PREFIX.slice(0, -1),
      operations: this.operations,
      unknownOperation: (name) => new CognitoError('UnknownOperationException', `the local Cognito does not implement ${name}`),
      internalError: (error) =>
        new CognitoError('InternalErrorException', `local Cognito failed: ${error instanceof Error ? error.message : String(error)}`, 500),
      answerHeaders: () => ({ 'x-amzn-requestid': randomUUID() }),
    });
  }

  // ---------------------------------------------------------------- boundary

  /** The pool ids served. */
  poolIds(): string[] {
    return [...this.pools.keys()];
  }

  /** The pool's JWKS (what `<issuer>/.well-known/jwks.json` answers), or undefined for an unknown pool. */
  jwks(poolId: string): Jwks | undefined {
    return this.pools.has(poolId) ? this.keys.jwks(poolId) : undefined;
  }

  /** The pool's OpenID configuration document (the parts that describe its tokens). */
  openidConfiguration(poolId: string): object | undefined {
    if (!this.pools.has(poolId)) return undefined;
    const issuer = this.issuer(poolId);
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      response_types_supported: ['code', 'token'],
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'token_use',
        'auth_time',
        'iat',
        'exp',
        'email',
        'email_verified',
        'cognito:username',
        'cognito:groups',
      ],
    };
  }

  /**
   * Answers `GET <issuerBase path>/<poolId>/.well-known/jwks.json` and
   * `.../openid-configuration` (any host; CORS-open); undefined for any other
   * request or an unknown pool.
   */
  wellKnown(method: string, url: string): EdgeResponse | undefined {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const m = WELL_KNOWN.exec(new URL(url, 'http://edge').pathname);
    if (!m) return undefined;
    const poolId = decodeURIComponent(m[1]);
    const doc = m[2] === 'jwks.json' ? this.jwks(poolId) : this.openidConfiguration(poolId);
    if (!doc) return undefined;
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=0', 'access-control-allow-origin': '*' },
      body: method === 'HEAD' ? '' : JSON.stringify(doc),
    };
  }

  /** Whether the edge should send `request` here: an unsigned Cognito call, a known pool's `.well-known` GET, or a Cognito CORS preflight. */
  routes(request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>): boolean {
    if (isUnsignedCognitoCall(request) || isCognitoPreflight(request)) return true;
    const pathname = new URL(request.url, 'http://edge').pathname;
    const m = WELL_KNOWN.exec(pathname);
    if (m !== null && this.pools.has(safeDecode(m[1]))) return true;
    const oauth = OAUTH_PATH.exec(pathname);
    return oauth !== null && this.domains.has(safeDecode(oauth[1]));
  }

  /** The local base URL of a pool domain (`<issuerBase>/_cognito/<domain>`): `/oauth2/token` under it is the token endpoint. */
  domainUrl(domain: string): string {
    return cognitoDomainUrl(this.issuerBase, domain);
  }

  /** The pending sign-up (or password-reset) code of a user, by user name or sign-in alias (email): for tests. */
  confirmationCode(poolId: string, username: string): string | undefined {
    const pool = this.pools.get(poolId);
    const user = pool && this.findUser(pool, username);
    return user?.confirmationCode?.code ?? user?.resetCode?.code;
  }

  /** Every code and temporary password delivered so far, oldest first. */
  messages(poolId?: string): DeliveredMessage[] {
    return this.delivered.filter((m) => poolId === undefined || m.poolId === poolId);
  }

  /** The attributes the pool's schema requires (for the `user` control endpoint's defaults). */
  requiredAttributesOf(poolId: string): readonly string[] {
    return this.pools.get(poolId)?.config.requiredAttributes ?? [];
  }

  /** The pool's clients (for the `user` control endpoint: which client to sign in with). */
  clientsOf(poolId: string): ClientConfig[] {
    return [...(this.pools.get(poolId)?.clients.values() ?? [])];
  }

  /**
   * Runs the pool's PostConfirmation trigger for a user an administrator
   * created and gave a permanent password (`PostConfirmation_ConfirmSignUp`),
   * as confirming a sign-up would: the local `user` command's confirmation step.
   */
  async confirmCreatedUser(poolId: string, username: string): Promise<void> {
    const pool = this.pool(poolId);
    await this.postConfirmation(pool, this.user(pool, username), CLIENT_ID_NOT_APPLICABLE, 'PostConfirmation_ConfirmSignUp');
  }

  /** Tokens for a confirmed user through `clientId`, issued admin-side (no password): for a client that allows no password flow. */
  async adminTokens(poolId: string, clientId: string, username: string, issuedAt?: number): Promise<object> {
    const pool = this.pool(poolId);
    const client = pool.clients.get(clientId);
    if (!client) throw new CognitoError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
    return this.persisting(() =>
      this.issueTokens(pool, client, this.user(pool, username), 'Authentication', undefined, undefined, issuedAt),
    );
  }

  // ---------------------------------------------------------------- edge

  private async handle(request: EdgeRequest): Promise<EdgeResponse | undefined> {
    const cors: Record<string, string> = request.headers.origin
      ? {
          'access-control-allow-origin': '*',
          'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date',
        }
      : {};
    if (request.method === 'OPTIONS') {
      return {
        status: 200,
        headers: {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          'access-control-allow-headers': headerValue(request.headers['access-control-request-headers']) ?? '*',
          'access-control-max-age': '86400',
        },
      };
    }
    const known = this.wellKnown(request.method, request.url);
    if (known) return known;
    const oauth = OAUTH_PATH.exec(new URL(request.url, 'http://edge').pathname);
    if (oauth && !request.target && request.headers['x-amz-target'] === undefined) {
      const pool = this.domains.get(safeDecode(oauth[1]));
      if (pool) return serveOAuthToken(request, (grant) => this.clientCredentials(pool, grant));
    }
    const target = request.target ?? headerValue(request.headers['x-amz-target']);
    if (!target?.startsWith(COGNITO_TARGET_PREFIX)) return undefined;
    if (!isSigned(request) && !PUBLIC_OPERATIONS.has(target.slice(COGNITO_TARGET_PREFIX.length))) {
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'MissingAuthenticationTokenException', ...cors },
        body: JSON.stringify({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }),
      };
    }
    const answer = await this.json(request);
    return answer && { ...answer, headers: { ...answer.headers, ...cors } };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
