/**
 * Authentication operations of the local Cognito: InitiateAuth and
 * AdminInitiateAuth (passwords, SRP, refresh), challenges, and the calls made
 * with an access token.
 */
import { randomBytes } from 'node:crypto';
import type {
  AdminInitiateAuthRequest,
  AdminRespondToAuthChallengeRequest,
  ChangePasswordRequest,
  GetUserRequest,
  GlobalSignOutRequest,
  InitiateAuthRequest,
  RespondToAuthChallengeRequest,
  RevokeTokenRequest,
} from '@aws-sdk/client-cognito-identity-provider';
import { checkPassword, type ClientConfig } from './config';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound, userNotFound } from './errors';
import { SESSION_MS, required, type PoolState, type User } from './model';
import { CognitoTokens } from './tokens';

export class CognitoAuth extends CognitoTokens {
  // ---------------------------------------------------------------- authentication

  protected async initiateAuth(input: InitiateAuthRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    const params = input.AuthParameters ?? {};
    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH':
        if (!client.authFlows.has('ALLOW_USER_PASSWORD_AUTH'))
          throw invalidParameter('USER_PASSWORD_AUTH flow not enabled for this client');
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
        throw invalidParameter(
          "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null",
        );
      default:
        throw invalidParameter(`the local Cognito does not support the ${input.AuthFlow} flow`);
    }
  }

  protected async adminInitiateAuth(input: AdminInitiateAuthRequest): Promise<object> {
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

  protected async respondToAuthChallenge(input: RespondToAuthChallengeRequest): Promise<object> {
    const { pool, client } = this.client(input.ClientId);
    return this.answerChallenge(pool, client, input.ChallengeName, input.Session, input.ChallengeResponses ?? {}, input.ClientMetadata);
  }

  protected async adminRespondToAuthChallenge(input: AdminRespondToAuthChallengeRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const client = pool.clients.get(String(input.ClientId));
    if (!client) throw resourceNotFound(`User pool client ${String(input.ClientId)} does not exist.`);
    return this.answerChallenge(pool, client, input.ChallengeName, input.Session, input.ChallengeResponses ?? {}, input.ClientMetadata);
  }

  /**
   * What every sign-in flow checks first, in Cognito's order: USERNAME and the
   * flow's own parameter present, the client's secret hash, the user known
   * (or, with PreventUserExistenceErrors, the same error as a wrong password),
   * then the PreAuthentication trigger.
   */
  private async startSignIn(
    pool: PoolState,
    client: ClientConfig,
    params: Record<string, string>,
    proofParameter: 'PASSWORD' | 'SRP_A',
    clientMetadata?: Record<string, string>,
  ): Promise<{ user: User; proof: string }> {
    const name = params.USERNAME;
    if (!name) throw invalidParameter('Missing required parameter USERNAME');
    const proof = params[proofParameter];
    if (!proof) throw invalidParameter(`Missing required parameter ${proofParameter}`);
    this.checkSecretHash(client, name, params.SECRET_HASH);
    const user = this.findUser(pool, name);
    if (!user) throw client.preventUserExistenceErrors ? notAuthorized() : userNotFound();
    await this.preAuthentication(pool, client, user, clientMetadata);
    return { user, proof };
  }

  protected async passwordAuth(
    pool: PoolState,
    client: ClientConfig,
    params: Record<string, string>,
    clientMetadata?: Record<string, string>,
  ): Promise<object> {
    const { user, proof: password } = await this.startSignIn(pool, client, params, 'PASSWORD', clientMetadata);
    if (!this.passwordMatches(user, password)) throw notAuthorized();
    return this.afterPasswordVerified(pool, client, user, clientMetadata);
  }

  /** What follows a correct password, whichever flow checked it. */
  protected async afterPasswordVerified(
    pool: PoolState,
    client: ClientConfig,
    user: User,
    clientMetadata?: Record<string, string>,
  ): Promise<object> {
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

  protected async answerChallenge(
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
    if (challengeName !== 'NEW_PASSWORD_REQUIRED')
      throw invalidParameter(`the local Cognito does not support the ${String(challengeName)} challenge`);
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
    return {
      ChallengeParameters: {},
      AuthenticationResult: await this.issueTokens(pool, client, user, 'NewPasswordChallenge', clientMetadata),
    };
  }

  protected async srpAuth(
    pool: PoolState,
    client: ClientConfig,
    params: Record<string, string>,
    clientMetadata?: Record<string, string>,
  ): Promise<object> {
    const { user, proof: srpA } = await this.startSignIn(pool, client, params, 'SRP_A', clientMetadata);
    if (!user.srp) throw notAuthorized();
    const parameters = this.srp.challenge(pool.config.id, client.id, user.username, user.srp, srpA);
    if (!parameters) throw invalidParameter('SRP_A is not a valid SRP value.');
    return { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: parameters };
  }

  protected async refreshAuth(
    pool: PoolState,
    client: ClientConfig,
    params: Record<string, string>,
    clientMetadata?: Record<string, string>,
  ): Promise<object> {
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
    if (client.secret && params.SECRET_HASH !== undefined)
      this.checkSecretHash(client, params.USERNAME ?? user.username, params.SECRET_HASH);
    const { RefreshToken: _unused, ...result } = await this.issueTokens(pool, client, user, 'RefreshTokens', clientMetadata, session);
    return { ChallengeParameters: {}, AuthenticationResult: result };
  }

  protected async getUser(input: GetUserRequest): Promise<object> {
    const { user } = this.userOfAccessToken(input.AccessToken);
    const { Username, Attributes } = this.userWire(user);
    return { Username, UserAttributes: Attributes, UserMFASettingList: [] };
  }

  protected async globalSignOut(input: GlobalSignOutRequest): Promise<object> {
    const { pool, user } = this.userOfAccessToken(input.AccessToken);
    this.signOutEverywhere(pool, user);
    return {};
  }

  protected async revokeToken(input: RevokeTokenRequest): Promise<object> {
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

  protected async changePassword(input: ChangePasswordRequest): Promise<object> {
    const { pool, user } = this.userOfAccessToken(input.AccessToken);
    if (!this.passwordMatches(user, required(input.PreviousPassword, 'previousPassword'))) throw notAuthorized();
    const password = required(input.ProposedPassword, 'proposedPassword');
    checkPassword(pool.config.passwordPolicy, password);
    this.setPassword(pool, user, password);
    this.dirty.add(pool);
    return {};
  }
}
