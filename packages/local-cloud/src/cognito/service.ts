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
import { createHash, createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type {
  AdminAddUserToGroupRequest,
  AdminConfirmSignUpRequest,
  AdminCreateUserRequest,
  AdminDeleteUserRequest,
  AdminDisableUserRequest,
  AdminEnableUserRequest,
  AdminGetUserRequest,
  AdminInitiateAuthRequest,
  AdminListGroupsForUserRequest,
  AdminRemoveUserFromGroupRequest,
  AdminRespondToAuthChallengeRequest,
  AdminSetUserPasswordRequest,
  AdminUpdateUserAttributesRequest,
  AdminUserGlobalSignOutRequest,
  AttributeType,
  ChangePasswordRequest,
  ConfirmForgotPasswordRequest,
  ConfirmSignUpRequest,
  CreateGroupRequest,
  DescribeUserPoolClientRequest,
  DescribeUserPoolRequest,
  ForgotPasswordRequest,
  GetGroupRequest,
  GetUserRequest,
  GlobalSignOutRequest,
  InitiateAuthRequest,
  ListGroupsRequest,
  ListUsersInGroupRequest,
  ListUsersRequest,
  ResendConfirmationCodeRequest,
  RespondToAuthChallengeRequest,
  RevokeTokenRequest,
  SignUpRequest,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type EdgeHandler, type EdgeRequest, type EdgeResponse, type LambdaInvoker, type LocalStack } from '../types';
import { checkPassword, clientConfig, groupConfig, poolConfig, temporaryPassword, type ClientConfig, type GroupConfig, type PoolConfig } from './config';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound, userNotFound } from './errors';
import { cognitoIssuer } from './identity';
import { COGNITO_TARGET_PREFIX, headerValue, serveJson11, type Operation } from './json-protocol';
import { PoolKeys, signJwt, verifyJwt, type Jwks } from './keys';
import { SrpServer } from './srp';
import { CLIENT_ID_NOT_APPLICABLE, Triggers } from './triggers';

export interface CognitoServiceOptions {
  /** Pools, clients and groups of the template. */
  readonly stack?: LocalStack;
  /** Runs the pools' Lambda triggers (`LambdaConfig`). Without one, a pool with triggers fails the calls that fire them. */
  readonly invoker?: LambdaInvoker;
  /** Base URL of the tokens' issuer: the edge URL. `iss` is `<issuerBase>/<poolId>`, the JWKS `<issuer>/.well-known/jwks.json`. */
  readonly issuerBase: string;
  /** When given, keys and pool state persist under `<dataDir>/cognito/` (restarts keep users and verify old tokens). */
  readonly dataDir?: string;
  /** Where code deliveries and trigger failures are logged (default console.log). */
  readonly log?: (line: string) => void;
  /** The clock (ms since epoch); tests may move it forward to expire tokens and codes. */
  readonly now?: () => number;
}

type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

interface Code {
  readonly code: string;
  readonly expiresAt: number;
}

interface User {
  readonly username: string;
  attributes: Record<string, string>;
  passwordHash?: string;
  srp?: { readonly salt: string; readonly verifier: string };
  status: UserStatus;
  enabled: boolean;
  readonly created: number;
  modified: number;
  groups: string[];
  temporaryPasswordExpiresAt?: number;
  confirmationCode?: Code;
  resetCode?: Code;
}

interface Group extends GroupConfig {
  readonly created: number;
  modified: number;
}

interface RefreshSession {
  readonly clientId: string;
  readonly username: string;
  readonly originJti: string;
  readonly authTime: number;
  readonly expiresAt: number;
}

interface PoolState {
  readonly config: PoolConfig;
  readonly clients: Map<string, ClientConfig>;
  readonly users: Map<string, User>;
  readonly groups: Map<string, Group>;
  readonly refreshTokens: Map<string, RefreshSession>;
  readonly revokedOrigins: Set<string>;
}

interface ChallengeSession {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly challenge: 'NEW_PASSWORD_REQUIRED';
  readonly expiresAt: number;
}

/** What a code delivery sent, kept for tests and the CLI (a real pool would email or text it). */
export interface DeliveredMessage {
  readonly poolId: string;
  readonly username: string;
  readonly kind: 'SignUp' | 'ResendCode' | 'ForgotPassword' | 'AdminCreateUser';
  readonly destination: string;
  readonly medium: 'EMAIL' | 'SMS';
  /** The confirmation code, or the temporary password of AdminCreateUser. */
  readonly code: string;
}

type TokenSource = 'Authentication' | 'RefreshTokens' | 'NewPasswordChallenge';

/** Operations that AWS serves without SigV4 (authenticated by client id, tokens or codes). */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetUser',
  'GlobalSignOut',
  'RevokeToken',
  'ChangePassword',
]);

const CODE_MS = 24 * 3600_000;
const SESSION_MS = 3 * 60_000;
const SCOPE = 'aws.cognito.signin.user.admin';

const seconds = (ms: number) => Math.floor(ms / 1000);
const epoch = (ms: number) => ms / 1000;

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
export class CognitoService {
  /** Serves `cognito-idp` at the edge: the AWS JSON 1.1 calls, the pools' `.well-known` documents, CORS preflights. */
  readonly handler: EdgeHandler = (request) => this.handle(request);
  /** The operation table, by operation name, for the shared protocol layer (inputs as the API's JSON). */
  readonly operations: Readonly<Record<string, Operation>>;

  private readonly pools = new Map<string, PoolState>();
  private readonly clients = new Map<string, PoolState>();
  private readonly challengeSessions = new Map<string, ChallengeSession>();
  private readonly delivered: DeliveredMessage[] = [];
  private readonly keys: PoolKeys;
  private readonly triggers: Triggers;
  private readonly srp: SrpServer;
  private readonly issuerBase: string;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly dirty = new Set<PoolState>();

  constructor(private readonly options: CognitoServiceOptions) {
    this.issuerBase = options.issuerBase.replace(/\/+$/, '');
    this.log = options.log ?? ((line) => console.log(line));
    this.now = options.now ?? Date.now;
    this.keys = new PoolKeys(options.dataDir);
    const region = options.stack?.region ?? LOCAL_REGION;
    const accountId = options.stack?.accountId ?? LOCAL_ACCOUNT_ID;
    this.triggers = new Triggers(options.invoker, region, this.log);
    this.srp = new SrpServer(this.now);
    const stack = options.stack;
    for (const resource of stack?.byType('AWS::Cognito::UserPool') ?? []) {
      const config = poolConfig(resource, region, accountId);
      this.pools.set(config.id, {
        config,
        clients: new Map(),
        users: new Map(),
        groups: new Map(),
        refreshTokens: new Map(),
        revokedOrigins: new Set(),
      });
    }
    for (const resource of stack?.byType('AWS::Cognito::UserPoolClient') ?? []) {
      const pool = this.pools.get(String(resource.properties.UserPoolId));
      if (!pool) continue;
      const client = clientConfig(resource, pool.config.id);
      pool.clients.set(client.id, client);
      this.clients.set(client.id, pool);
    }
    const created = this.now();
    for (const resource of stack?.byType('AWS::Cognito::UserPoolGroup') ?? []) {
      const group = groupConfig(resource);
      this.pools.get(group.poolId)?.groups.set(group.name, { ...group, created, modified: created });
    }
    for (const pool of this.pools.values()) this.load(pool);

    const ops: Record<string, Operation> = {
      SignUp: (i: SignUpRequest) => this.signUp(i),
      ConfirmSignUp: (i: ConfirmSignUpRequest) => this.confirmSignUp(i),
      ResendConfirmationCode: (i: ResendConfirmationCodeRequest) => this.resendConfirmationCode(i),
      ForgotPassword: (i: ForgotPasswordRequest) => this.forgotPassword(i),
      ConfirmForgotPassword: (i: ConfirmForgotPasswordRequest) => this.confirmForgotPassword(i),
      InitiateAuth: (i: InitiateAuthRequest) => this.initiateAuth(i),
      RespondToAuthChallenge: (i: RespondToAuthChallengeRequest) => this.respondToAuthChallenge(i),
      GetUser: (i: GetUserRequest) => this.getUser(i),
      GlobalSignOut: (i: GlobalSignOutRequest) => this.globalSignOut(i),
      RevokeToken: (i: RevokeTokenRequest) => this.revokeToken(i),
      ChangePassword: (i: ChangePasswordRequest) => this.changePassword(i),
      AdminConfirmSignUp: (i: AdminConfirmSignUpRequest) => this.adminConfirmSignUp(i),
      AdminCreateUser: (i: AdminCreateUserRequest) => this.adminCreateUser(i),
      AdminSetUserPassword: (i: AdminSetUserPasswordRequest) => this.adminSetUserPassword(i),
      AdminGetUser: (i: AdminGetUserRequest) => this.adminGetUser(i),
      AdminDeleteUser: (i: AdminDeleteUserRequest) => this.adminDeleteUser(i),
      AdminDisableUser: (i: AdminDisableUserRequest) => this.adminSetEnabled(i, false),
      AdminEnableUser: (i: AdminEnableUserRequest) => this.adminSetEnabled(i, true),
      AdminUpdateUserAttributes: (i: AdminUpdateUserAttributesRequest) => this.adminUpdateUserAttributes(i),
      AdminUserGlobalSignOut: (i: AdminUserGlobalSignOutRequest) => this.adminUserGlobalSignOut(i),
      AdminAddUserToGroup: (i: AdminAddUserToGroupRequest) => this.adminAddUserToGroup(i),
      AdminRemoveUserFromGroup: (i: AdminRemoveUserFromGroupRequest) => this.adminRemoveUserFromGroup(i),
      AdminListGroupsForUser: (i: AdminListGroupsForUserRequest) => this.adminListGroupsForUser(i),
      AdminInitiateAuth: (i: AdminInitiateAuthRequest) => this.adminInitiateAuth(i),
      AdminRespondToAuthChallenge: (i: AdminRespondToAuthChallengeRequest) => this.adminRespondToAuthChallenge(i),
      ListUsers: (i: ListUsersRequest) => this.listUsers(i),
      ListUsersInGroup: (i: ListUsersInGroupRequest) => this.listUsersInGroup(i),
      CreateGroup: (i: CreateGroupRequest) => this.createGroup(i),
      GetGroup: (i: GetGroupRequest) => this.getGroup(i),
      ListGroups: (i: ListGroupsRequest) => this.listGroups(i),
      DescribeUserPool: (i: DescribeUserPoolRequest) => this.describeUserPool(i),
      DescribeUserPoolClient: (i: DescribeUserPoolClientRequest) => this.describeUserPoolClient(i),
    };
    const table: Record<string, Operation> = {};
    for (const [name, op] of Object.entries(ops)) table[name] = (input) => this.persisting(() => op(input));
    this.operations = Object.freeze(table);
  }

  // ---------------------------------------------------------------- boundary

  /** The pool ids served. */
  poolIds(): string[] {
    return [...this.pools.keys()];
  }

  /** `iss` of the pool's tokens. */
  issuer(poolId: string): string {
    return cognitoIssuer(this.issuerBase, poolId);
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
      claims_supported: ['sub', 'iss', 'aud', 'token_use', 'auth_time', 'iat', 'exp', 'email', 'email_verified', 'cognito:username', 'cognito:groups'],
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
    const m = WELL_KNOWN.exec(new URL(request.url, 'http://edge').pathname);
    return m !== null && this.pools.has(decodeURIComponent(m[1]));
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

  // ---------------------------------------------------------------- edge

  private async handle(request: EdgeRequest): Promise<EdgeResponse | undefined> {
    const cors: Record<string, string> = request.headers.origin
      ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date' }
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
    const target = request.target ?? headerValue(request.headers['x-amz-target']);
    if (!target?.startsWith(COGNITO_TARGET_PREFIX)) return undefined;
    if (!isSigned(request) && !PUBLIC_OPERATIONS.has(target.slice(COGNITO_TARGET_PREFIX.length))) {
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'MissingAuthenticationTokenException', ...cors },
        body: JSON.stringify({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }),
      };
    }
    return serveJson11(this.operations, request, cors);
  }

  // ---------------------------------------------------------------- sign-up

  private async signUp(input: SignUpRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const name = required(input.Username, 'username');
    const password = required(input.Password, 'password');
    this.checkSecretHash(client, name, input.SecretHash);
    if (pool.config.adminCreateUserOnly) throw notAuthorized('SignUp is not permitted for this user pool');
    const { username, sub, attributes } = this.newUserIdentity(pool, name, input.UserAttributes);
    checkPassword(pool.config.passwordPolicy, password);
    const response = await this.triggers.invoke(pool.config, {
      trigger: 'PreSignUp',
      triggerSource: 'PreSignUp_SignUp',
      userName: username,
      clientId: client.id,
      request: {
        userAttributes: { ...attributes },
        validationData: toRecord(input.ValidationData),
        ...(input.ClientMetadata ? { clientMetadata: input.ClientMetadata } : {}),
      },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    this.assertStillFree(pool, username, attributes, 'User already exists');
    const now = this.now();
    const user: User = {
      username,
      attributes: { sub, ...attributes },
      status: response.autoConfirmUser === true ? 'CONFIRMED' : 'UNCONFIRMED',
      enabled: true,
      created: now,
      modified: now,
      groups: [],
    };
    if (user.attributes.email !== undefined) user.attributes.email_verified = String(response.autoVerifyEmail === true);
    if (user.attributes.phone_number !== undefined) user.attributes.phone_number_verified = String(response.autoVerifyPhone === true);
    this.setPassword(pool, user, password);
    pool.users.set(this.key(pool, username), user);
    this.dirty.add(pool);
    let delivery: object | undefined;
    if (user.status === 'UNCONFIRMED') {
      user.confirmationCode = this.newCode();
      delivery = this.deliver(pool, user, 'SignUp', user.confirmationCode.code);
    } else {
      await this.postConfirmation(pool, user, client.id, 'PostConfirmation_ConfirmSignUp', input.ClientMetadata);
    }
    return { UserConfirmed: user.status === 'CONFIRMED', UserSub: user.attributes.sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
  }

  private async confirmSignUp(input: ConfirmSignUpRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const name = required(input.Username, 'username');
    this.checkSecretHash(client, name, input.SecretHash);
    const user = this.findUser(pool, name);
    if (!user) throw new CognitoError('UserNotFoundException', 'Username/client id combination not found.');
    if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    this.checkCode(user.confirmationCode, required(input.ConfirmationCode, 'confirmationCode'));
    // The code went to the delivery attribute: it is verified now.
    const medium = this.deliveryAttribute(pool, user);
    if (medium) this.verifyAlias(pool, user, medium, input.ForceAliasCreation === true);
    user.status = 'CONFIRMED';
    user.confirmationCode = undefined;
    user.modified = this.now();
    this.dirty.add(pool);
    // As on AWS, a failing PostConfirmation trigger fails the call but the user stays confirmed.
    await this.postConfirmation(pool, user, client.id, 'PostConfirmation_ConfirmSignUp', input.ClientMetadata);
    return {};
  }

  private async adminConfirmSignUp(input: AdminConfirmSignUpRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    user.status = 'CONFIRMED';
    user.confirmationCode = undefined;
    user.modified = this.now();
    this.dirty.add(pool);
    await this.postConfirmation(pool, user, CLIENT_ID_NOT_APPLICABLE, 'PostConfirmation_ConfirmSignUp', input.ClientMetadata);
    return {};
  }

  private async resendConfirmationCode(input: ResendConfirmationCodeRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const name = required(input.Username, 'username');
    this.checkSecretHash(client, name, input.SecretHash);
    const user = this.findUser(pool, name);
    if (!user) throw new CognitoError('UserNotFoundException', 'Username/client id combination not found.');
    if (user.status !== 'UNCONFIRMED') throw invalidParameter('User is already confirmed.');
    user.confirmationCode = this.newCode();
    this.dirty.add(pool);
    return { CodeDeliveryDetails: this.deliver(pool, user, 'ResendCode', user.confirmationCode.code) ?? {} };
  }

  private async forgotPassword(input: ForgotPasswordRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const name = required(input.Username, 'username');
    this.checkSecretHash(client, name, input.SecretHash);
    const user = this.findUser(pool, name);
    if (!user) throw new CognitoError('UserNotFoundException', 'Username/client id combination not found.');
    if (user.status === 'FORCE_CHANGE_PASSWORD') throw notAuthorized('User password cannot be reset in the current state.');
    const verified = user.attributes.email_verified === 'true' || user.attributes.phone_number_verified === 'true';
    if (!verified) throw invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
    user.resetCode = this.newCode();
    this.dirty.add(pool);
    return { CodeDeliveryDetails: this.deliver(pool, user, 'ForgotPassword', user.resetCode.code, true) ?? {} };
  }

  private async confirmForgotPassword(input: ConfirmForgotPasswordRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const name = required(input.Username, 'username');
    this.checkSecretHash(client, name, input.SecretHash);
    const user = this.findUser(pool, name);
    if (!user) throw new CognitoError('UserNotFoundException', 'Username/client id combination not found.');
    this.checkCode(user.resetCode, required(input.ConfirmationCode, 'confirmationCode'));
    const password = required(input.Password, 'password');
    checkPassword(pool.config.passwordPolicy, password);
    this.setPassword(pool, user, password);
    user.resetCode = undefined;
    user.status = 'CONFIRMED';
    this.dirty.add(pool);
    await this.postConfirmation(pool, user, client.id, 'PostConfirmation_ConfirmForgotPassword', input.ClientMetadata);
    return {};
  }

  // ---------------------------------------------------------------- admin users

  private async adminCreateUser(input: AdminCreateUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const name = required(input.Username, 'username');
    if (input.MessageAction === 'RESEND') {
      const user = this.user(pool, name);
      if (user.status !== 'FORCE_CHANGE_PASSWORD') throw new CognitoError('UnsupportedUserStateException', 'Resend not possible. User is not in FORCE_CHANGE_PASSWORD state.');
      const password = input.TemporaryPassword ?? temporaryPassword(pool.config.passwordPolicy, randomBytes);
      checkPassword(pool.config.passwordPolicy, password);
      this.setTemporaryPassword(pool, user, password);
      this.deliver(pool, user, 'AdminCreateUser', password);
      return { User: this.userWire(user) };
    }
    const { username, sub, attributes } = this.newUserIdentity(pool, name, input.UserAttributes, 'User account already exists');
    const password = input.TemporaryPassword ?? temporaryPassword(pool.config.passwordPolicy, randomBytes);
    checkPassword(pool.config.passwordPolicy, password);
    // AdminCreateUser ignores the PreSignUp response flags.
    await this.triggers.invoke(pool.config, {
      trigger: 'PreSignUp',
      triggerSource: 'PreSignUp_AdminCreateUser',
      userName: username,
      clientId: CLIENT_ID_NOT_APPLICABLE,
      request: {
        userAttributes: { ...attributes },
        validationData: toRecord(input.ValidationData),
        ...(input.ClientMetadata ? { clientMetadata: input.ClientMetadata } : {}),
      },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    this.assertStillFree(pool, username, attributes, 'User account already exists');
    const now = this.now();
    const user: User = {
      username,
      attributes: { sub, ...attributes },
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      created: now,
      modified: now,
      groups: [],
    };
    for (const alias of ['email', 'phone_number'] as const) {
      if (user.attributes[alias] !== undefined && user.attributes[`${alias}_verified`] === 'true') {
        this.verifyAlias(pool, user, alias, input.ForceAliasCreation === true);
      }
    }
    this.setTemporaryPassword(pool, user, password);
    pool.users.set(this.key(pool, username), user);
    this.dirty.add(pool);
    if (input.MessageAction !== 'SUPPRESS') this.deliver(pool, user, 'AdminCreateUser', password, true);
    return { User: this.userWire(user) };
  }

  private async adminSetUserPassword(input: AdminSetUserPasswordRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const password = required(input.Password, 'password');
    checkPassword(pool.config.passwordPolicy, password);
    if (input.Permanent === true) {
      this.setPassword(pool, user, password);
      user.status = 'CONFIRMED';
      user.temporaryPasswordExpiresAt = undefined;
    } else {
      this.setTemporaryPassword(pool, user, password);
    }
    this.dirty.add(pool);
    return {};
  }

  private async adminGetUser(input: AdminGetUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const { Attributes, ...rest } = this.userWire(user);
    return { ...rest, UserAttributes: Attributes, UserMFASettingList: [] };
  }

  private async adminDeleteUser(input: AdminDeleteUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    this.signOutEverywhere(pool, user);
    pool.users.delete(this.key(pool, user.username));
    this.dirty.add(pool);
    return {};
  }

  private async adminSetEnabled(input: { UserPoolId?: string; Username?: string }, enabled: boolean): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    user.enabled = enabled;
    user.modified = this.now();
    this.dirty.add(pool);
    return {};
  }

  private async adminUpdateUserAttributes(input: AdminUpdateUserAttributesRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const changes = toRecord(input.UserAttributes);
    for (const [name, value] of Object.entries(changes)) {
      if (name === 'sub' || name.startsWith('cognito:')) throw invalidParameter(`Cannot modify the non-mutable attribute ${name}`);
      user.attributes[name] = value;
    }
    for (const alias of ['email', 'phone_number']) {
      if (changes[alias] !== undefined && changes[`${alias}_verified`] === undefined) user.attributes[`${alias}_verified`] = 'false';
    }
    user.modified = this.now();
    this.dirty.add(pool);
    return {};
  }

  private async adminUserGlobalSignOut(input: AdminUserGlobalSignOutRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    this.signOutEverywhere(pool, this.user(pool, input.Username));
    return {};
  }

  private async listUsers(input: ListUsersRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const filter = parseFilter(input.Filter);
    const users = [...pool.users.values()].filter((u) => filter(u));
    const { items, next } = paginate(users, input.Limit, input.PaginationToken, 60);
    const wanted = input.AttributesToGet;
    return {
      Users: items.map((u) => {
        const wire = this.userWire(u);
        return wanted ? { ...wire, Attributes: wire.Attributes.filter((a) => wanted.includes(a.Name)) } : wire;
      }),
      ...(next ? { PaginationToken: next } : {}),
    };
  }

  // ---------------------------------------------------------------- groups

  private async adminAddUserToGroup(input: AdminAddUserToGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const user = this.user(pool, input.Username);
    if (!user.groups.includes(group.name)) user.groups.push(group.name);
    this.dirty.add(pool);
    return {};
  }

  private async adminRemoveUserFromGroup(input: AdminRemoveUserFromGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const user = this.user(pool, input.Username);
    user.groups = user.groups.filter((g) => g !== group.name);
    this.dirty.add(pool);
    return {};
  }

  private async adminListGroupsForUser(input: AdminListGroupsForUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const groups = this.groupsOf(pool, user);
    const { items, next } = paginate(groups, input.Limit, input.NextToken, 60);
    return { Groups: items.map((g) => groupWire(g)), ...(next ? { NextToken: next } : {}) };
  }

  private async listUsersInGroup(input: ListUsersInGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const users = [...pool.users.values()].filter((u) => u.groups.includes(group.name));
    const { items, next } = paginate(users, input.Limit, input.NextToken, 60);
    return { Users: items.map((u) => this.userWire(u)), ...(next ? { NextToken: next } : {}) };
  }

  private async createGroup(input: CreateGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const name = required(input.GroupName, 'groupName');
    if (pool.groups.has(name)) throw new CognitoError('GroupExistsException', 'A group with the name already exists.');
    const now = this.now();
    const group: Group = {
      name,
      poolId: pool.config.id,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.Precedence !== undefined ? { precedence: input.Precedence } : {}),
      ...(input.RoleArn !== undefined ? { roleArn: input.RoleArn } : {}),
      created: now,
      modified: now,
    };
    pool.groups.set(name, group);
    this.dirty.add(pool);
    return { Group: groupWire(group) };
  }

  private async getGroup(input: GetGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    return { Group: groupWire(this.group(pool, input.GroupName)) };
  }

  private async listGroups(input: ListGroupsRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const { items, next } = paginate([...pool.groups.values()], input.Limit, input.NextToken, 60);
    return { Groups: items.map((g) => groupWire(g)), ...(next ? { NextToken: next } : {}) };
  }

  private async describeUserPool(input: DescribeUserPoolRequest): Promise<object> {
    const { config } = this.pool(input.UserPoolId);
    const policy = config.passwordPolicy;
    return {
      UserPool: {
        Id: config.id,
        Name: config.name,
        Arn: config.arn,
        UsernameAttributes: config.usernameAttributes,
        AliasAttributes: config.aliasAttributes,
        AutoVerifiedAttributes: config.autoVerifiedAttributes,
        MfaConfiguration: config.mfaConfiguration,
        LambdaConfig: config.triggers,
        Policies: {
          PasswordPolicy: {
            MinimumLength: policy.minimumLength,
            RequireUppercase: policy.requireUppercase,
            RequireLowercase: policy.requireLowercase,
            RequireNumbers: policy.requireNumbers,
            RequireSymbols: policy.requireSymbols,
            TemporaryPasswordValidityDays: policy.temporaryPasswordValidityDays,
          },
        },
        EstimatedNumberOfUsers: this.pools.get(config.id)!.users.size,
      },
    };
  }

  private async describeUserPoolClient(input: DescribeUserPoolClientRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const client = pool.clients.get(String(input.ClientId));
    if (!client) throw resourceNotFound(`User pool client ${String(input.ClientId)} does not exist.`);
    return {
      UserPoolClient: {
        ClientId: client.id,
        ClientName: client.name,
        UserPoolId: pool.config.id,
        ExplicitAuthFlows: [...client.authFlows],
        AccessTokenValidity: client.accessTokenSeconds,
        IdTokenValidity: client.idTokenSeconds,
        RefreshTokenValidity: client.refreshTokenSeconds,
        TokenValidityUnits: { AccessToken: 'seconds', IdToken: 'seconds', RefreshToken: 'seconds' },
        ...(client.secret ? { ClientSecret: client.secret } : {}),
      },
    };
  }

  // ---------------------------------------------------------------- authentication

  private async initiateAuth(input: InitiateAuthRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const params = input.AuthParameters ?? {};
    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH':
        if (!client.authFlows.has('ALLOW_USER_PASSWORD_AUTH')) throw invalidParameter('USER_PASSWORD_AUTH flow not enabled for this client');
        return this.passwordAuth(pool, client, params, input.ClientMetadata);
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN':
        return this.refreshAuth(pool, client, params, input.ClientMetadata);
      case 'USER_SRP_AUTH':
        if (!client.authFlows.has('ALLOW_USER_SRP_AUTH')) throw invalidParameter('USER_SRP_AUTH flow not enabled for this client');
        return this.srpAuth(pool, client, params, input.ClientMetadata);
      case 'ADMIN_USER_PASSWORD_AUTH':
      case 'ADMIN_NO_SRP_AUTH':
        throw invalidParameter('Initiate Auth method not supported.');
      case undefined:
        throw invalidParameter("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null");
      default:
        throw invalidParameter(`the local Cognito does not support the ${input.AuthFlow} flow`);
    }
  }

  private async adminInitiateAuth(input: AdminInitiateAuthRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const client = pool.clients.get(String(input.ClientId));
    if (!client) throw resourceNotFound(`User pool client ${String(input.ClientId)} does not exist.`);
    const params = input.AuthParameters ?? {};
    switch (input.AuthFlow) {
      case 'ADMIN_USER_PASSWORD_AUTH':
      case 'ADMIN_NO_SRP_AUTH':
        if (!client.authFlows.has('ALLOW_ADMIN_USER_PASSWORD_AUTH')) throw invalidParameter('Auth flow not enabled for this client');
        return this.passwordAuth(pool, client, params, input.ClientMetadata);
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN':
        return this.refreshAuth(pool, client, params, input.ClientMetadata);
      default:
        throw invalidParameter(`the local Cognito does not support the ${String(input.AuthFlow)} flow in AdminInitiateAuth`);
    }
  }

  private async respondToAuthChallenge(input: RespondToAuthChallengeRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    return this.answerChallenge(pool, client, input.ChallengeName, input.Session, input.ChallengeResponses ?? {}, input.ClientMetadata);
  }

  private async adminRespondToAuthChallenge(input: AdminRespondToAuthChallengeRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const client = pool.clients.get(String(input.ClientId));
    if (!client) throw resourceNotFound(`User pool client ${String(input.ClientId)} does not exist.`);
    return this.answerChallenge(pool, client, input.ChallengeName, input.Session, input.ChallengeResponses ?? {}, input.ClientMetadata);
  }

  private async passwordAuth(pool: PoolState, client: ClientConfig, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<object> {
    const name = params.USERNAME;
    if (!name) throw invalidParameter('Missing required parameter USERNAME');
    const password = params.PASSWORD;
    if (!password) throw invalidParameter('Missing required parameter PASSWORD');
    this.checkSecretHash(client, name, params.SECRET_HASH);
    const user = this.findUser(pool, name);
    if (!user) throw client.preventUserExistenceErrors ? notAuthorized() : userNotFound();
    await this.preAuthentication(pool, client, user, clientMetadata);
    if (!this.passwordMatches(user, password)) throw notAuthorized();
    return this.afterPasswordVerified(pool, client, user, clientMetadata);
  }

  /** What follows a correct password, whichever flow checked it. */
  private async afterPasswordVerified(pool: PoolState, client: ClientConfig, user: User, clientMetadata?: Record<string, string>): Promise<object> {
    if (!user.enabled) throw notAuthorized('User is disabled.');
    if (user.status === 'UNCONFIRMED') throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
    if (user.status === 'RESET_REQUIRED') throw new CognitoError('PasswordResetRequiredException', 'Password reset required for the user');
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      if (user.temporaryPasswordExpiresAt !== undefined && user.temporaryPasswordExpiresAt < this.now()) {
        throw notAuthorized('Temporary password has expired and must be reset by an administrator.');
      }
      const session = randomBytes(96).toString('base64url');
      this.challengeSessions.set(session, {
        poolId: pool.config.id,
        clientId: client.id,
        username: user.username,
        challenge: 'NEW_PASSWORD_REQUIRED',
        expiresAt: this.now() + SESSION_MS,
      });
      const { sub: _sub, ...visible } = user.attributes;
      return {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: session,
        ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: '[]', userAttributes: JSON.stringify(visible) },
      };
    }
    await this.postAuthentication(pool, client, user, clientMetadata);
    return { ChallengeParameters: {}, AuthenticationResult: await this.issueTokens(pool, client, user, 'Authentication', clientMetadata) };
  }

  private async answerChallenge(
    pool: PoolState,
    client: ClientConfig,
    challengeName: string | undefined,
    session: string | undefined,
    responses: Record<string, string>,
    clientMetadata?: Record<string, string>,
  ): Promise<object> {
    if (challengeName === 'PASSWORD_VERIFIER') {
      const name = responses.USERNAME;
      if (!name) throw invalidParameter('Missing required parameter USERNAME');
      this.checkSecretHash(client, name, responses.SECRET_HASH);
      const user = this.findUser(pool, name);
      if (!user) throw client.preventUserExistenceErrors ? notAuthorized() : userNotFound();
      const verified = this.srp.verify(pool.config.id, client.id, user.username, responses);
      if (!verified) throw notAuthorized();
      return this.afterPasswordVerified(pool, client, user, clientMetadata);
    }
    if (challengeName !== 'NEW_PASSWORD_REQUIRED') throw invalidParameter(`the local Cognito does not support the ${String(challengeName)} challenge`);
    const pending = session ? this.challengeSessions.get(session) : undefined;
    if (!pending || pending.expiresAt < this.now() || pending.clientId !== client.id || pending.challenge !== challengeName) {
      throw notAuthorized('Invalid session for the user, session is expired.');
    }
    const user = responses.USERNAME ? this.findUser(pool, responses.USERNAME) : undefined;
    if (!user || user.username !== pending.username) throw notAuthorized('Invalid session for the user.');
    const password = responses.NEW_PASSWORD;
    if (!password) throw invalidParameter('Missing required parameter NEW_PASSWORD');
    this.checkSecretHash(client, responses.USERNAME!, responses.SECRET_HASH);
    checkPassword(pool.config.passwordPolicy, password);
    for (const [key, value] of Object.entries(responses)) {
      if (key.startsWith('userAttributes.')) user.attributes[key.slice('userAttributes.'.length)] = value;
    }
    this.challengeSessions.delete(session!);
    this.setPassword(pool, user, password);
    user.status = 'CONFIRMED';
    user.temporaryPasswordExpiresAt = undefined;
    this.dirty.add(pool);
    await this.postAuthentication(pool, client, user, clientMetadata);
    return { ChallengeParameters: {}, AuthenticationResult: await this.issueTokens(pool, client, user, 'NewPasswordChallenge', clientMetadata) };
  }

  private async srpAuth(pool: PoolState, client: ClientConfig, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<object> {
    const name = params.USERNAME;
    if (!name) throw invalidParameter('Missing required parameter USERNAME');
    const srpA = params.SRP_A;
    if (!srpA) throw invalidParameter('Missing required parameter SRP_A');
    this.checkSecretHash(client, name, params.SECRET_HASH);
    const user = this.findUser(pool, name);
    if (!user) throw client.preventUserExistenceErrors ? notAuthorized() : userNotFound();
    await this.preAuthentication(pool, client, user, clientMetadata);
    if (!user.srp) throw notAuthorized();
    const parameters = this.srp.challenge(pool.config.id, client.id, user.username, user.srp, srpA);
    if (!parameters) throw invalidParameter('SRP_A is not a valid SRP value.');
    return { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: parameters };
  }

  private async refreshAuth(pool: PoolState, client: ClientConfig, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<object> {
    if (client.authFlows.size > 0 && !client.authFlows.has('ALLOW_REFRESH_TOKEN_AUTH')) {
      throw invalidParameter('REFRESH_TOKEN_AUTH flow not enabled for this client');
    }
    const token = params.REFRESH_TOKEN;
    if (!token) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
    const session = pool.refreshTokens.get(token);
    if (!session || session.clientId !== client.id) throw notAuthorized('Invalid Refresh Token');
    if (pool.revokedOrigins.has(session.originJti)) throw notAuthorized('Refresh Token has been revoked');
    if (session.expiresAt < this.now()) throw notAuthorized('Refresh Token has expired');
    const user = pool.users.get(this.key(pool, session.username));
    if (!user) throw notAuthorized('Refresh Token has been revoked');
    if (!user.enabled) throw notAuthorized('User is disabled.');
    if (client.secret && params.SECRET_HASH !== undefined) this.checkSecretHash(client, params.USERNAME ?? user.username, params.SECRET_HASH);
    const { RefreshToken: _unused, ...result } = await this.issueTokens(pool, client, user, 'RefreshTokens', clientMetadata, session);
    return { ChallengeParameters: {}, AuthenticationResult: result };
  }

  private async getUser(input: GetUserRequest): Promise<object> {
    const { user } = this.userOfAccessToken(input.AccessToken);
    const { Username, Attributes } = this.userWire(user);
    return { Username, UserAttributes: Attributes, UserMFASettingList: [] };
  }

  private async globalSignOut(input: GlobalSignOutRequest): Promise<object> {
    const { pool, user } = this.userOfAccessToken(input.AccessToken);
    this.signOutEverywhere(pool, user);
    return {};
  }

  private async revokeToken(input: RevokeTokenRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    if (client.secret && input.ClientSecret !== client.secret) throw new CognitoError('UnauthorizedException', 'Invalid client secret');
    const session = pool.refreshTokens.get(required(input.Token, 'token'));
    if (session && session.clientId === client.id) {
      pool.revokedOrigins.add(session.originJti);
      pool.refreshTokens.delete(String(input.Token));
      this.dirty.add(pool);
    }
    return {};
  }

  private async changePassword(input: ChangePasswordRequest): Promise<object> {
    const { pool, user } = this.userOfAccessToken(input.AccessToken);
    if (!this.passwordMatches(user, required(input.PreviousPassword, 'previousPassword'))) throw notAuthorized();
    const password = required(input.ProposedPassword, 'proposedPassword');
    checkPassword(pool.config.passwordPolicy, password);
    this.setPassword(pool, user, password);
    this.dirty.add(pool);
    return {};
  }

  // ---------------------------------------------------------------- tokens

  private async issueTokens(
    pool: PoolState,
    client: ClientConfig,
    user: User,
    source: TokenSource,
    clientMetadata?: Record<string, string>,
    refresh?: RefreshSession,
  ): Promise<{ AccessToken: string; IdToken: string; RefreshToken: string; ExpiresIn: number; TokenType: 'Bearer' }> {
    const now = seconds(this.now());
    const originJti = refresh?.originJti ?? randomUUID();
    const authTime = refresh?.authTime ?? now;
    const eventId = randomUUID();
    const groups = this.groupsOf(pool, user);
    let groupNames = groups.map((g) => g.name);
    let roles = groups.filter((g) => g.roleArn).map((g) => g.roleArn!);
    let preferredRole = groups.find((g) => g.roleArn)?.roleArn;
    const issuer = this.issuer(pool.config.id);
    const readable = client.readAttributes;
    const idClaims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(user.attributes)) {
      if (name === 'sub' || (readable && !readable.includes(name) && !name.endsWith('_verified'))) continue;
      idClaims[name] = name === 'email_verified' || name === 'phone_number_verified' ? value === 'true' : value;
    }
    let accessExtra: Record<string, unknown> = {};
    let accessSuppress: string[] = [];
    let scopes = [SCOPE];
    let idSuppress: string[] = [];

    if (this.triggers.has(pool.config, 'PreTokenGeneration')) {
      const v2 = pool.config.preTokenGenerationVersion === '2';
      const response = await this.triggers.invoke(pool.config, {
        trigger: 'PreTokenGeneration',
        triggerSource: `TokenGeneration_${source}`,
        userName: user.username,
        clientId: client.id,
        version: pool.config.preTokenGenerationVersion,
        request: {
          userAttributes: this.eventAttributes(pool, user),
          groupConfiguration: { groupsToOverride: groupNames, iamRolesToOverride: roles, preferredRole: preferredRole ?? null },
          ...(v2 ? { scopes } : {}),
          ...(clientMetadata ? { clientMetadata } : {}),
        },
        response: v2 ? { claimsAndScopeOverrideDetails: null } : { claimsOverrideDetails: null },
      });
      const details = (v2 ? response.claimsAndScopeOverrideDetails : response.claimsOverrideDetails) as Record<string, any> | null | undefined;
      if (details) {
        const idDetails = (v2 ? details.idTokenGeneration : details) as Record<string, any> | undefined;
        Object.assign(idClaims, withoutReserved(idDetails?.claimsToAddOrOverride));
        idSuppress = Array.isArray(idDetails?.claimsToSuppress) ? idDetails.claimsToSuppress : [];
        if (v2) {
          const access = details.accessTokenGeneration as Record<string, any> | undefined;
          accessExtra = withoutReserved(access?.claimsToAddOrOverride);
          accessSuppress = Array.isArray(access?.claimsToSuppress) ? access.claimsToSuppress : [];
          if (Array.isArray(access?.scopesToAdd)) scopes = [...scopes, ...access.scopesToAdd];
          if (Array.isArray(access?.scopesToSuppress)) scopes = scopes.filter((s) => !access.scopesToSuppress.includes(s));
        }
        const override = details.groupOverrideDetails as Record<string, any> | undefined;
        if (override) {
          if (Array.isArray(override.groupsToOverride)) groupNames = override.groupsToOverride;
          if (Array.isArray(override.iamRolesToOverride)) roles = override.iamRolesToOverride;
          if (typeof override.preferredRole === 'string') preferredRole = override.preferredRole;
        }
      }
    }

    const groupClaims: Record<string, unknown> = groupNames.length > 0 ? { 'cognito:groups': groupNames } : {};
    const idToken: Record<string, unknown> = {
      sub: user.attributes.sub,
      ...groupClaims,
      ...(roles.length > 0 ? { 'cognito:roles': roles } : {}),
      ...(preferredRole ? { 'cognito:preferred_role': preferredRole } : {}),
      iss: issuer,
      'cognito:username': user.username,
      origin_jti: originJti,
      aud: client.id,
      event_id: eventId,
      token_use: 'id',
      auth_time: authTime,
      exp: now + client.idTokenSeconds,
      iat: now,
      jti: randomUUID(),
    };
    for (const [name, value] of Object.entries(idClaims)) if (!idSuppress.includes(name) && !(name in idToken)) idToken[name] = value;
    const accessToken: Record<string, unknown> = {
      sub: user.attributes.sub,
      ...groupClaims,
      iss: issuer,
      client_id: client.id,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: authTime,
      exp: now + client.accessTokenSeconds,
      iat: now,
      jti: randomUUID(),
      username: user.username,
    };
    for (const [name, value] of Object.entries(accessExtra)) accessToken[name] = value;
    for (const name of accessSuppress) if (!RESERVED_CLAIMS.has(name)) delete accessToken[name];

    let refreshToken = '';
    if (!refresh) {
      refreshToken = randomBytes(96).toString('base64url');
      pool.refreshTokens.set(refreshToken, {
        clientId: client.id,
        username: user.username,
        originJti,
        authTime,
        expiresAt: this.now() + client.refreshTokenSeconds * 1000,
      });
      this.dirty.add(pool);
    }
    const key = this.keys.key(pool.config.id);
    return {
      AccessToken: signJwt(key, accessToken),
      ExpiresIn: client.accessTokenSeconds,
      TokenType: 'Bearer',
      RefreshToken: refreshToken,
      IdToken: signJwt(key, idToken),
    };
  }

  /** The pool and user of a valid access token, or Cognito's NotAuthorizedException. */
  private userOfAccessToken(token: string | undefined): { pool: PoolState; user: User } {
    if (!token) throw invalidParameter("1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null");
    let pool: PoolState | undefined;
    const payload = verifyJwt(token, (claims) => {
      const iss = typeof claims.iss === 'string' ? claims.iss : '';
      pool = iss.startsWith(`${this.issuerBase}/`) ? this.pools.get(iss.slice(this.issuerBase.length + 1)) : undefined;
      return pool && this.keys.key(pool.config.id);
    });
    if (!payload || !pool || payload.token_use !== 'access') throw notAuthorized('Invalid Access Token');
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= this.now()) throw notAuthorized('Access Token has expired');
    if (pool.revokedOrigins.has(String(payload.origin_jti))) throw notAuthorized('Access Token has been revoked');
    const user = pool.users.get(this.key(pool, String(payload.username)));
    if (!user || user.attributes.sub !== payload.sub) throw userNotFound();
    if (!user.enabled) throw notAuthorized('User is disabled.');
    return { pool, user };
  }

  private signOutEverywhere(pool: PoolState, user: User): void {
    for (const [token, session] of pool.refreshTokens) {
      if (session.username !== user.username) continue;
      pool.revokedOrigins.add(session.originJti);
      pool.refreshTokens.delete(token);
    }
    this.dirty.add(pool);
  }

  // ---------------------------------------------------------------- triggers

  private eventAttributes(pool: PoolState, user: User): Record<string, string> {
    const attributes: Record<string, string> = { ...user.attributes, 'cognito:user_status': user.status };
    if (pool.config.aliasAttributes.includes('email') && user.attributes.email_verified === 'true') attributes['cognito:email_alias'] = user.attributes.email;
    if (pool.config.aliasAttributes.includes('phone_number') && user.attributes.phone_number_verified === 'true') {
      attributes['cognito:phone_number_alias'] = user.attributes.phone_number;
    }
    return attributes;
  }

  private async postConfirmation(pool: PoolState, user: User, clientId: string, triggerSource: string, clientMetadata?: Record<string, string>): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PostConfirmation',
      triggerSource,
      userName: user.username,
      clientId,
      request: { userAttributes: this.eventAttributes(pool, user), ...(clientMetadata ? { clientMetadata } : {}) },
    });
  }

  private async preAuthentication(pool: PoolState, client: ClientConfig, user: User, clientMetadata?: Record<string, string>): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PreAuthentication',
      triggerSource: 'PreAuthentication_Authentication',
      userName: user.username,
      clientId: client.id,
      request: { userAttributes: this.eventAttributes(pool, user), userNotFound: false, ...(clientMetadata ? { validationData: clientMetadata } : {}) },
    });
  }

  private async postAuthentication(pool: PoolState, client: ClientConfig, user: User, clientMetadata?: Record<string, string>): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PostAuthentication',
      triggerSource: 'PostAuthentication_Authentication',
      userName: user.username,
      clientId: client.id,
      request: { userAttributes: this.eventAttributes(pool, user), newDeviceUsed: false, ...(clientMetadata ? { clientMetadata } : {}) },
    });
  }

  // ---------------------------------------------------------------- users

  private pool(poolId: string | undefined): PoolState {
    const pool = poolId === undefined ? undefined : this.pools.get(poolId);
    if (!pool) throw resourceNotFound(`User pool ${String(poolId)} does not exist.`);
    return pool;
  }

  private client(clientId: string | undefined): { pool: PoolState; client: ClientConfig } {
    const pool = clientId === undefined ? undefined : this.clients.get(clientId);
    const client = pool?.clients.get(clientId!);
    if (!pool || !client) throw resourceNotFound(`User pool client ${String(clientId)} does not exist.`);
    return { pool, client };
  }

  private group(pool: PoolState, name: string | undefined): Group {
    const group = name === undefined ? undefined : pool.groups.get(name);
    if (!group) throw resourceNotFound('Group not found.');
    return group;
  }

  /** The user's groups, by precedence (lowest first, unset last), then name. */
  private groupsOf(pool: PoolState, user: User): Group[] {
    return user.groups
      .map((name) => pool.groups.get(name))
      .filter((g): g is Group => g !== undefined)
      .sort((a, b) => (a.precedence ?? Infinity) - (b.precedence ?? Infinity) || a.name.localeCompare(b.name));
  }

  private key(pool: PoolState, username: string): string {
    return pool.config.caseSensitive ? username : username.toLowerCase();
  }

  /** A user by user name, or by a sign-in attribute (email, phone) or verified alias. */
  private findUser(pool: PoolState, name: string): User | undefined {
    const direct = pool.users.get(this.key(pool, name));
    if (direct) return direct;
    const { usernameAttributes, aliasAttributes } = pool.config;
    for (const attribute of ['email', 'phone_number', 'preferred_username']) {
      const signIn = usernameAttributes.includes(attribute);
      if (!signIn && !aliasAttributes.includes(attribute)) continue;
      const wanted = attribute === 'phone_number' ? name : name.toLowerCase();
      for (const user of pool.users.values()) {
        const value = user.attributes[attribute];
        if (value === undefined || (attribute === 'phone_number' ? value : value.toLowerCase()) !== wanted) continue;
        if (signIn || attribute === 'preferred_username' || user.attributes[`${attribute}_verified`] === 'true') return user;
      }
    }
    return undefined;
  }

  private user(pool: PoolState, name: string | undefined): User {
    const user = name === undefined ? undefined : this.findUser(pool, name);
    if (!user) throw userNotFound();
    return user;
  }

  /** The user name and attributes of a new user (SignUp, AdminCreateUser), or why it cannot be created. */
  private newUserIdentity(
    pool: PoolState,
    name: string,
    given: AttributeType[] | undefined,
    existsMessage = 'User already exists',
  ): { username: string; sub: string; attributes: Record<string, string> } {
    const attributes = toRecord(given);
    for (const reserved of ['sub', 'cognito:user_status']) {
      if (attributes[reserved] !== undefined) throw invalidParameter(`${reserved}: Attribute cannot be set.`);
    }
    const { usernameAttributes, aliasAttributes } = pool.config;
    const sub = randomUUID();
    let username = name;
    if (usernameAttributes.length > 0) {
      const isEmail = EMAIL.test(name);
      const isPhone = /^\+\d{4,15}$/.test(name);
      if (isEmail && usernameAttributes.includes('email')) attributes.email = name;
      else if (isPhone && usernameAttributes.includes('phone_number')) attributes.phone_number = name;
      else {
        throw invalidParameter(
          usernameAttributes.length > 1 ? 'Username should be either an email or a phone number.' : usernameAttributes[0] === 'email' ? 'Username should be an email.' : 'Username should be a phone number.',
        );
      }
      const attribute = isEmail ? 'email' : 'phone_number';
      const clash = [...pool.users.values()].some((u) => (u.attributes[attribute] ?? '').toLowerCase() === name.toLowerCase());
      if (clash) throw new CognitoError('UsernameExistsException', isEmail ? 'An account with the given email already exists.' : 'An account with the given phone_number already exists.');
      // Signing in with an email or phone: the user name is the sub.
      username = sub;
    } else {
      if (aliasAttributes.includes('email') && EMAIL.test(name)) throw invalidParameter('Username cannot be of email format, since user pool is configured for email alias.');
      if (aliasAttributes.includes('phone_number') && /^\+\d+$/.test(name)) {
        throw invalidParameter('Username cannot be of phone number format, since user pool is configured for phone_number alias.');
      }
      if (pool.users.has(this.key(pool, name))) throw new CognitoError('UsernameExistsException', existsMessage);
    }
    if (attributes.email !== undefined && !EMAIL.test(attributes.email)) throw invalidParameter('Invalid email address format.');
    for (const attribute of pool.config.requiredAttributes) {
      if (attributes[attribute] === undefined) throw invalidParameter(`Attributes did not conform to the schema: ${attribute}: The attribute is required`);
    }
    return { username, sub, attributes };
  }

  /** Fails when a call that ran while a trigger was awaited created the same user. */
  private assertStillFree(pool: PoolState, username: string, attributes: Record<string, string>, message: string): void {
    if (pool.users.has(this.key(pool, username))) throw new CognitoError('UsernameExistsException', message);
    for (const attribute of pool.config.usernameAttributes) {
      const value = attributes[attribute]?.toLowerCase();
      if (value !== undefined && [...pool.users.values()].some((u) => u.attributes[attribute]?.toLowerCase() === value)) {
        throw new CognitoError('UsernameExistsException', `An account with the given ${attribute} already exists.`);
      }
    }
  }

  /** Marks `attribute` verified on `user`, moving it from another user (ForceAliasCreation) or refusing (AliasExistsException). */
  private verifyAlias(pool: PoolState, user: User, attribute: 'email' | 'phone_number', force: boolean): void {
    if (pool.config.aliasAttributes.includes(attribute)) {
      const value = (user.attributes[attribute] ?? '').toLowerCase();
      const holder = [...pool.users.values()].find(
        (u) => u !== user && u.attributes[`${attribute}_verified`] === 'true' && (u.attributes[attribute] ?? '').toLowerCase() === value,
      );
      if (holder) {
        if (!force) throw new CognitoError('AliasExistsException', `An account with the ${attribute} already exists.`);
        holder.attributes[`${attribute}_verified`] = 'false';
      }
    }
    user.attributes[`${attribute}_verified`] = 'true';
  }

  /** The attribute a code goes to: email or phone, when the pool verifies it automatically. */
  private deliveryAttribute(pool: PoolState, user: User): 'email' | 'phone_number' | undefined {
    for (const attribute of ['email', 'phone_number'] as const) {
      if (pool.config.autoVerifiedAttributes.includes(attribute) && user.attributes[attribute] !== undefined) return attribute;
    }
    return undefined;
  }

  /** "Sends" a code (logs it, keeps it); the CodeDeliveryDetails, when there is an attribute to send it to. */
  private deliver(pool: PoolState, user: User, kind: DeliveredMessage['kind'], code: string, anyAttribute = false): object | undefined {
    let attribute = this.deliveryAttribute(pool, user);
    if (!attribute && anyAttribute) attribute = user.attributes.email !== undefined ? 'email' : user.attributes.phone_number !== undefined ? 'phone_number' : undefined;
    const destination = attribute ? user.attributes[attribute] : user.username;
    const medium = attribute === 'phone_number' ? 'SMS' : 'EMAIL';
    this.delivered.push({ poolId: pool.config.id, username: user.username, kind, destination, medium, code });
    const what = kind === 'AdminCreateUser' ? 'temporary password' : kind === 'ForgotPassword' ? 'password reset code' : 'confirmation code';
    this.log(`[cognito] ${pool.config.id}: ${what} for ${destination} (user ${user.username}): ${code}`);
    if (!attribute) return undefined;
    return { Destination: mask(destination, attribute), DeliveryMedium: medium, AttributeName: attribute };
  }

  private newCode(): Code {
    return { code: String(randomInt(0, 1_000_000)).padStart(6, '0'), expiresAt: this.now() + CODE_MS };
  }

  private checkCode(expected: Code | undefined, given: string): void {
    if (!expected || expected.code !== given) throw new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    if (expected.expiresAt < this.now()) throw new CognitoError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
  }

  private checkSecretHash(client: ClientConfig, username: string, secretHash: string | undefined): void {
    if (!client.secret) return;
    if (!secretHash) throw notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
    const expected = createHmac('sha256', client.secret).update(username + client.id).digest('base64');
    if (expected !== secretHash) throw notAuthorized(`Unable to verify secret hash for client ${client.id}`);
  }

  private setPassword(pool: PoolState, user: User, password: string): void {
    const salt = randomBytes(16).toString('hex');
    user.passwordHash = `${salt}:${createHash('sha256').update(salt).update(password).digest('hex')}`;
    user.srp = this.srp.verifierFor(pool.config.id, user.username, password);
    user.modified = this.now();
  }

  private setTemporaryPassword(pool: PoolState, user: User, password: string): void {
    this.setPassword(pool, user, password);
    user.status = 'FORCE_CHANGE_PASSWORD';
    user.temporaryPasswordExpiresAt = this.now() + pool.config.passwordPolicy.temporaryPasswordValidityDays * 86_400_000;
  }

  private passwordMatches(user: User, password: string): boolean {
    if (!user.passwordHash) return false;
    const [salt, hash] = user.passwordHash.split(':');
    const given = createHash('sha256').update(salt).update(password).digest();
    return timingSafeEqual(given, Buffer.from(hash, 'hex'));
  }

  private userWire(user: User): { Username: string; Attributes: Array<{ Name: string; Value: string }>; UserCreateDate: number; UserLastModifiedDate: number; Enabled: boolean; UserStatus: string } {
    return {
      Username: user.username,
      Attributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
      UserCreateDate: epoch(user.created),
      UserLastModifiedDate: epoch(user.modified),
      Enabled: user.enabled,
      UserStatus: user.status,
    };
  }

  // ---------------------------------------------------------------- persistence

  private async persisting<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      for (const pool of this.dirty) this.save(pool);
      this.dirty.clear();
    }
  }

  private stateFile(poolId: string): string | undefined {
    return this.options.dataDir && path.join(this.options.dataDir, 'cognito', 'pools', `${poolId.replace(/[^\w.-]/g, '_')}.json`);
  }

  private save(pool: PoolState): void {
    const file = this.stateFile(pool.config.id);
    if (!file) return;
    const state = {
      users: [...pool.users.values()],
      groups: [...pool.groups.values()],
      refreshTokens: [...pool.refreshTokens.entries()],
      revokedOrigins: [...pool.revokedOrigins],
    };
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, file);
  }

  private load(pool: PoolState): void {
    const file = this.stateFile(pool.config.id);
    if (!file || !existsSync(file)) return;
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      users: User[];
      groups: Group[];
      refreshTokens: Array<[string, RefreshSession]>;
      revokedOrigins: string[];
    };
    for (const user of state.users) pool.users.set(this.key(pool, user.username), user);
    // Groups of the template win over saved ones of the same name; groups created at run time come back.
    for (const group of state.groups) if (!pool.groups.has(group.name)) pool.groups.set(group.name, group);
    for (const [token, session] of state.refreshTokens) pool.refreshTokens.set(token, session);
    for (const origin of state.revokedOrigins) pool.revokedOrigins.add(origin);
  }
}

// ---------------------------------------------------------------- helpers

const WELL_KNOWN = /^\/(?:.*\/)?([^/]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const RESERVED_CLAIMS = new Set([
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'client_id', 'cognito:username', 'exp', 'iat', 'identities', 'iss', 'jti', 'nbf',
  'nonce', 'origin_jti', 'sub', 'token_use', 'event_id', 'scope', 'username',
]);

function withoutReserved(claims: unknown): Record<string, unknown> {
  if (claims === null || typeof claims !== 'object') return {};
  return Object.fromEntries(Object.entries(claims as Record<string, unknown>).filter(([name]) => !RESERVED_CLAIMS.has(name)));
}

function isSigned(request: Pick<EdgeRequest, 'url' | 'headers'>): boolean {
  return request.headers.authorization !== undefined || request.url.includes('X-Amz-Credential=');
}

/**
 * An unsigned AWS JSON call to Cognito (`X-Amz-Target:
 * AWSCognitoIdentityProviderService.*`, no SigV4): SignUp, InitiateAuth,
 * GetUser... arrive this way from browsers and amplify. The edge must route
 * these to `cognito-idp` (it sends unsigned calls it cannot place to S3).
 */
export function isUnsignedCognitoCall(request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>): boolean {
  if (isSigned(request)) return false;
  return headerValue(request.headers['x-amz-target'])?.startsWith(COGNITO_TARGET_PREFIX) === true;
}

/** A browser's CORS preflight for a Cognito call (OPTIONS that asks to send `x-amz-target`, to the root path). */
export function isCognitoPreflight(request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'OPTIONS' || new URL(request.url, 'http://edge').pathname !== '/') return false;
  const asked = headerValue(request.headers['access-control-request-headers'])?.toLowerCase() ?? '';
  return asked.split(',').some((h) => h.trim() === 'x-amz-target');
}

function required(value: string | undefined, member: string): string {
  if (value === undefined || value === null || value === '') {
    throw invalidParameter(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function toRecord(attributes: AttributeType[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) if (a.Name) out[a.Name] = a.Value ?? '';
  return out;
}

function mask(destination: string, attribute: string): string {
  if (attribute === 'phone_number') return `+*******${destination.slice(-4)}`;
  const [local, domain = ''] = destination.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

function groupWire(g: Group): object {
  return {
    GroupName: g.name,
    UserPoolId: g.poolId,
    ...(g.description !== undefined ? { Description: g.description } : {}),
    ...(g.roleArn !== undefined ? { RoleArn: g.roleArn } : {}),
    ...(g.precedence !== undefined ? { Precedence: g.precedence } : {}),
    LastModifiedDate: epoch(g.modified),
    CreationDate: epoch(g.created),
  };
}

function paginate<T>(items: T[], limit: number | undefined, token: string | undefined, max: number): { items: T[]; next?: string } {
  const size = Math.min(limit && limit > 0 ? limit : max, max);
  let start = 0;
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid pagination token.');
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length ? { items: page, next: Buffer.from(String(end)).toString('base64url') } : { items: page };
}

/** ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix); none matches all. */
function parseFilter(filter: string | undefined): (user: User) => boolean {
  if (!filter || filter.trim() === '') return () => true;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw invalidParameter('Error while parsing filter.');
  const [, attribute, operator, raw] = m;
  const value = raw.replace(/\\(.)/g, '$1');
  const read = (u: User): string | undefined => {
    switch (attribute) {
      case 'username':
        return u.username;
      case 'cognito:user_status':
        return u.status;
      case 'status':
        return u.enabled ? 'Enabled' : 'Disabled';
      default:
        return u.attributes[attribute];
    }
  };
  return (u) => {
    const actual = read(u);
    if (actual === undefined) return false;
    return operator === '=' ? actual === value : actual.startsWith(value);
  };
}
