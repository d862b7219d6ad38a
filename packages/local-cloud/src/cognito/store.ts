/**
 * The local Cognito's state: the pools, clients and groups of the stack, the
 * users in them, lookups, passwords and codes, trigger calls, and persistence
 * under `<dataDir>/cognito/pools/`. The operations (accounts.ts, auth.ts) and
 * tokens (tokens.ts) build on it.
 */
import { createHash, createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AttributeType } from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../types';
import { clientConfig, groupConfig, poolConfig, type ClientConfig } from './config';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound, userNotFound } from './errors';
import { cognitoIssuer } from './identity';
import { PoolKeys } from './keys';
import {
  CODE_MS,
  EMAIL,
  epoch,
  mask,
  toRecord,
  type ChallengeSession,
  type Code,
  type CognitoServiceOptions,
  type DeliveredMessage,
  type Group,
  type PoolState,
  type RefreshSession,
  type User,
} from './model';
import { SrpServer } from './srp';
import { Triggers } from './triggers';

export class CognitoStore {
  protected readonly pools = new Map<string, PoolState>();
  protected readonly clients = new Map<string, PoolState>();
  protected readonly challengeSessions = new Map<string, ChallengeSession>();
  protected readonly delivered: DeliveredMessage[] = [];
  protected readonly keys: PoolKeys;
  protected readonly triggers: Triggers;
  protected readonly srp: SrpServer;
  protected readonly issuerBase: string;
  protected readonly log: (line: string) => void;
  protected readonly now: () => number;
  protected readonly dirty = new Set<PoolState>();
  /** Pools by domain (the `UserPoolDomain`'s prefix or custom domain name), for the OAuth2 token endpoint. */
  protected readonly domains = new Map<string, PoolState>();

  constructor(protected readonly options: CognitoServiceOptions) {
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
    for (const resource of stack?.byType('AWS::Cognito::UserPoolDomain') ?? []) {
      const pool = this.pools.get(String(resource.properties.UserPoolId));
      if (pool && typeof resource.properties.Domain === 'string') this.domains.set(resource.properties.Domain, pool);
    }
    for (const pool of this.pools.values()) this.load(pool);
  }

  /** `iss` of the pool's tokens. */
  issuer(poolId: string): string {
    return cognitoIssuer(this.issuerBase, poolId);
  }

  // ---------------------------------------------------------------- triggers

  protected eventAttributes(pool: PoolState, user: User): Record<string, string> {
    const attributes: Record<string, string> = { ...user.attributes, 'cognito:user_status': user.status };
    if (pool.config.aliasAttributes.includes('email') && user.attributes.email_verified === 'true')
      attributes['cognito:email_alias'] = user.attributes.email;
    if (pool.config.aliasAttributes.includes('phone_number') && user.attributes.phone_number_verified === 'true') {
      attributes['cognito:phone_number_alias'] = user.attributes.phone_number;
    }
    return attributes;
  }

  protected async postConfirmation(
    pool: PoolState,
    user: User,
    clientId: string,
    triggerSource: string,
    clientMetadata?: Record<string, string>,
  ): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PostConfirmation',
      triggerSource,
      userName: user.username,
      clientId,
      request: { userAttributes: this.eventAttributes(pool, user), ...(clientMetadata ? { clientMetadata } : {}) },
    });
  }

  protected async preAuthentication(
    pool: PoolState,
    client: ClientConfig,
    user: User,
    clientMetadata?: Record<string, string>,
  ): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PreAuthentication',
      triggerSource: 'PreAuthentication_Authentication',
      userName: user.username,
      clientId: client.id,
      request: {
        userAttributes: this.eventAttributes(pool, user),
        userNotFound: false,
        ...(clientMetadata ? { validationData: clientMetadata } : {}),
      },
    });
  }

  protected async postAuthentication(
    pool: PoolState,
    client: ClientConfig,
    user: User,
    clientMetadata?: Record<string, string>,
  ): Promise<void> {
    await this.triggers.invoke(pool.config, {
      trigger: 'PostAuthentication',
      triggerSource: 'PostAuthentication_Authentication',
      userName: user.username,
      clientId: client.id,
      request: { userAttributes: this.eventAttributes(pool, user), newDeviceUsed: false, ...(clientMetadata ? { clientMetadata } : {}) },
    });
  }

  // ---------------------------------------------------------------- users

  protected pool(poolId: string | undefined): PoolState {
    const pool = poolId === undefined ? undefined : this.pools.get(poolId);
    if (!pool) throw resourceNotFound(`User pool ${String(poolId)} does not exist.`);
    return pool;
  }

  protected client(clientId: string | undefined): { pool: PoolState; client: ClientConfig } {
    const pool = clientId === undefined ? undefined : this.clients.get(clientId);
    const client = pool?.clients.get(clientId!);
    if (!pool || !client) throw resourceNotFound(`User pool client ${String(clientId)} does not exist.`);
    return { pool, client };
  }

  protected group(pool: PoolState, name: string | undefined): Group {
    const group = name === undefined ? undefined : pool.groups.get(name);
    if (!group) throw resourceNotFound('Group not found.');
    return group;
  }

  /** The user's groups, by precedence (lowest first, unset last), then name. */
  protected groupsOf(pool: PoolState, user: User): Group[] {
    return user.groups
      .map((name) => pool.groups.get(name))
      .filter((g): g is Group => g !== undefined)
      .sort((a, b) => (a.precedence ?? Infinity) - (b.precedence ?? Infinity) || a.name.localeCompare(b.name));
  }

  protected key(pool: PoolState, username: string): string {
    return pool.config.caseSensitive ? username : username.toLowerCase();
  }

  /** A user by user name, or by a sign-in attribute (email, phone) or verified alias. */
  protected findUser(pool: PoolState, name: string): User | undefined {
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

  protected user(pool: PoolState, name: string | undefined): User {
    const user = name === undefined ? undefined : this.findUser(pool, name);
    if (!user) throw userNotFound();
    return user;
  }

  /** The user name and attributes of a new user (SignUp, AdminCreateUser), or why it cannot be created. */
  protected newUserIdentity(
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
          usernameAttributes.length > 1
            ? 'Username should be either an email or a phone number.'
            : usernameAttributes[0] === 'email'
              ? 'Username should be an email.'
              : 'Username should be a phone number.',
        );
      }
      const attribute = isEmail ? 'email' : 'phone_number';
      const clash = [...pool.users.values()].some((u) => (u.attributes[attribute] ?? '').toLowerCase() === name.toLowerCase());
      if (clash)
        throw new CognitoError(
          'UsernameExistsException',
          isEmail ? 'An account with the given email already exists.' : 'An account with the given phone_number already exists.',
        );
      // Signing in with an email or phone: the user name is the sub.
      username = sub;
    } else {
      if (aliasAttributes.includes('email') && EMAIL.test(name))
        throw invalidParameter('Username cannot be of email format, since user pool is configured for email alias.');
      if (aliasAttributes.includes('phone_number') && /^\+\d+$/.test(name)) {
        throw invalidParameter('Username cannot be of phone number format, since user pool is configured for phone_number alias.');
      }
      if (pool.users.has(this.key(pool, name))) throw new CognitoError('UsernameExistsException', existsMessage);
    }
    if (attributes.email !== undefined && !EMAIL.test(attributes.email)) throw invalidParameter('Invalid email address format.');
    for (const attribute of pool.config.requiredAttributes) {
      if (attributes[attribute] === undefined)
        throw invalidParameter(`Attributes did not conform to the schema: ${attribute}: The attribute is required`);
    }
    return { username, sub, attributes };
  }

  /** Fails when a call that ran while a trigger was awaited created the same user. */
  protected assertStillFree(pool: PoolState, username: string, attributes: Record<string, string>, message: string): void {
    if (pool.users.has(this.key(pool, username))) throw new CognitoError('UsernameExistsException', message);
    for (const attribute of pool.config.usernameAttributes) {
      const value = attributes[attribute]?.toLowerCase();
      if (value !== undefined && [...pool.users.values()].some((u) => u.attributes[attribute]?.toLowerCase() === value)) {
        throw new CognitoError('UsernameExistsException', `An account with the given ${attribute} already exists.`);
      }
    }
  }

  /** Marks `attribute` verified on `user`, moving it from another user (ForceAliasCreation) or refusing (AliasExistsException). */
  protected verifyAlias(pool: PoolState, user: User, attribute: 'email' | 'phone_number', force: boolean): void {
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
  protected deliveryAttribute(pool: PoolState, user: User): 'email' | 'phone_number' | undefined {
    for (const attribute of ['email', 'phone_number'] as const) {
      if (pool.config.autoVerifiedAttributes.includes(attribute) && user.attributes[attribute] !== undefined) return attribute;
    }
    return undefined;
  }

  /** "Sends" a code (logs it, keeps it); the CodeDeliveryDetails, when there is an attribute to send it to. */
  protected deliver(pool: PoolState, user: User, kind: DeliveredMessage['kind'], code: string, anyAttribute = false): object | undefined {
    let attribute = this.deliveryAttribute(pool, user);
    if (!attribute && anyAttribute)
      attribute = user.attributes.email !== undefined ? 'email' : user.attributes.phone_number !== undefined ? 'phone_number' : undefined;
    const destination = attribute ? user.attributes[attribute] : user.username;
    const medium = attribute === 'phone_number' ? 'SMS' : 'EMAIL';
    this.delivered.push({ poolId: pool.config.id, username: user.username, kind, destination, medium, code });
    const what =
      kind === 'AdminCreateUser' ? 'temporary password' : kind === 'ForgotPassword' ? 'password reset code' : 'confirmation code';
    this.log(`[cognito] ${pool.config.id}: ${what} for ${destination} (user ${user.username}): ${code}`);
    if (!attribute) return undefined;
    return { Destination: mask(destination, attribute), DeliveryMedium: medium, AttributeName: attribute };
  }

  protected newCode(): Code {
    return { code: String(randomInt(0, 1_000_000)).padStart(6, '0'), expiresAt: this.now() + CODE_MS };
  }

  protected checkCode(expected: Code | undefined, given: string): void {
    if (!expected || expected.code !== given)
      throw new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    if (expected.expiresAt < this.now())
      throw new CognitoError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
  }

  protected checkSecretHash(client: ClientConfig, username: string, secretHash: string | undefined): void {
    if (!client.secret) return;
    if (!secretHash) throw notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
    const expected = createHmac('sha256', client.secret)
      .update(username + client.id)
      .digest('base64');
    if (expected !== secretHash) throw notAuthorized(`Unable to verify secret hash for client ${client.id}`);
  }

  protected setPassword(pool: PoolState, user: User, password: string): void {
    const salt = randomBytes(16).toString('hex');
    user.passwordHash = `${salt}:${createHash('sha256').update(salt).update(password).digest('hex')}`;
    user.srp = this.srp.verifierFor(pool.config.id, user.username, password);
    user.modified = this.now();
  }

  protected setTemporaryPassword(pool: PoolState, user: User, password: string): void {
    this.setPassword(pool, user, password);
    user.status = 'FORCE_CHANGE_PASSWORD';
    user.temporaryPasswordExpiresAt = this.now() + pool.config.passwordPolicy.temporaryPasswordValidityDays * 86_400_000;
  }

  protected passwordMatches(user: User, password: string): boolean {
    if (!user.passwordHash) return false;
    const [salt, hash] = user.passwordHash.split(':');
    const given = createHash('sha256').update(salt).update(password).digest();
    return timingSafeEqual(given, Buffer.from(hash, 'hex'));
  }

  protected userWire(user: User): {
    Username: string;
    Attributes: Array<{ Name: string; Value: string }>;
    UserCreateDate: number;
    UserLastModifiedDate: number;
    Enabled: boolean;
    UserStatus: string;
  } {
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

  protected async persisting<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      for (const pool of this.dirty) this.save(pool);
      this.dirty.clear();
    }
  }

  protected stateFile(poolId: string): string | undefined {
    return this.options.dataDir && path.join(this.options.dataDir, 'cognito', 'pools', `${poolId.replace(/[^\w.-]/g, '_')}.json`);
  }

  protected save(pool: PoolState): void {
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

  protected load(pool: PoolState): void {
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
