/**
 * Account operations of the local Cognito: sign-up and confirmation, password
 * reset, the admin user calls, groups and the describe calls.
 */
import { randomBytes } from 'node:crypto';
import type {
  AdminAddUserToGroupRequest,
  AdminConfirmSignUpRequest,
  AdminCreateUserRequest,
  AdminDeleteUserRequest,
  AdminGetUserRequest,
  AdminListGroupsForUserRequest,
  AdminRemoveUserFromGroupRequest,
  AdminSetUserPasswordRequest,
  AdminUpdateUserAttributesRequest,
  AdminUserGlobalSignOutRequest,
  ConfirmForgotPasswordRequest,
  ConfirmSignUpRequest,
  CreateGroupRequest,
  DescribeUserPoolClientRequest,
  DescribeUserPoolRequest,
  ForgotPasswordRequest,
  GetGroupRequest,
  ListGroupsRequest,
  ListUsersInGroupRequest,
  ListUsersRequest,
  ResendConfirmationCodeRequest,
  SignUpRequest,
} from '@aws-sdk/client-cognito-identity-provider';
import { checkPassword, temporaryPassword } from './config';
import { CognitoError, invalidParameter, notAuthorized, resourceNotFound } from './errors';
import { groupWire, paginate, parseFilter, required, toRecord, type Group, type User } from './model';
import { CLIENT_ID_NOT_APPLICABLE } from './triggers';
import { CognitoAuth } from './auth';

export class CognitoAccounts extends CognitoAuth {
  // ---------------------------------------------------------------- sign-up

  protected async signUp(input: SignUpRequest): Promise<object> {
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
    return {
      UserConfirmed: user.status === 'CONFIRMED',
      UserSub: user.attributes.sub,
      ...(delivery ? { CodeDeliveryDetails: delivery } : {}),
    };
  }

  protected async confirmSignUp(input: ConfirmSignUpRequest): Promise<object> {
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

  protected async adminConfirmSignUp(input: AdminConfirmSignUpRequest): Promise<object> {
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

  protected async resendConfirmationCode(input: ResendConfirmationCodeRequest): Promise<object> {
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

  protected async forgotPassword(input: ForgotPasswordRequest): Promise<object> {
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

  protected async confirmForgotPassword(input: ConfirmForgotPasswordRequest): Promise<object> {
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

  protected async adminCreateUser(input: AdminCreateUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const name = required(input.Username, 'username');
    if (input.MessageAction === 'RESEND') {
      const user = this.user(pool, name);
      if (user.status !== 'FORCE_CHANGE_PASSWORD')
        throw new CognitoError('UnsupportedUserStateException', 'Resend not possible. User is not in FORCE_CHANGE_PASSWORD state.');
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

  protected async adminSetUserPassword(input: AdminSetUserPasswordRequest): Promise<object> {
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

  protected async adminGetUser(input: AdminGetUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const { Attributes, ...rest } = this.userWire(user);
    return { ...rest, UserAttributes: Attributes, UserMFASettingList: [] };
  }

  protected async adminDeleteUser(input: AdminDeleteUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    this.signOutEverywhere(pool, user);
    pool.users.delete(this.key(pool, user.username));
    this.dirty.add(pool);
    return {};
  }

  protected async adminSetEnabled(input: { UserPoolId?: string; Username?: string }, enabled: boolean): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    user.enabled = enabled;
    user.modified = this.now();
    this.dirty.add(pool);
    return {};
  }

  protected async adminUpdateUserAttributes(input: AdminUpdateUserAttributesRequest): Promise<object> {
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

  protected async adminUserGlobalSignOut(input: AdminUserGlobalSignOutRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    this.signOutEverywhere(pool, this.user(pool, input.Username));
    return {};
  }

  protected async listUsers(input: ListUsersRequest): Promise<object> {
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

  protected async adminAddUserToGroup(input: AdminAddUserToGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const user = this.user(pool, input.Username);
    if (!user.groups.includes(group.name)) user.groups.push(group.name);
    this.dirty.add(pool);
    return {};
  }

  protected async adminRemoveUserFromGroup(input: AdminRemoveUserFromGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const user = this.user(pool, input.Username);
    user.groups = user.groups.filter((g) => g !== group.name);
    this.dirty.add(pool);
    return {};
  }

  protected async adminListGroupsForUser(input: AdminListGroupsForUserRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const user = this.user(pool, input.Username);
    const groups = this.groupsOf(pool, user);
    const { items, next } = paginate(groups, input.Limit, input.NextToken, 60);
    return { Groups: items.map((g) => groupWire(g)), ...(next ? { NextToken: next } : {}) };
  }

  protected async listUsersInGroup(input: ListUsersInGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const group = this.group(pool, input.GroupName);
    const users = [...pool.users.values()].filter((u) => u.groups.includes(group.name));
    const { items, next } = paginate(users, input.Limit, input.NextToken, 60);
    return { Users: items.map((u) => this.userWire(u)), ...(next ? { NextToken: next } : {}) };
  }

  protected async createGroup(input: CreateGroupRequest): Promise<object> {
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

  protected async getGroup(input: GetGroupRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    return { Group: groupWire(this.group(pool, input.GroupName)) };
  }

  protected async listGroups(input: ListGroupsRequest): Promise<object> {
    const pool = this.pool(input.UserPoolId);
    const { items, next } = paginate([...pool.groups.values()], input.Limit, input.NextToken, 60);
    return { Groups: items.map((g) => groupWire(g)), ...(next ? { NextToken: next } : {}) };
  }

  protected async describeUserPool(input: DescribeUserPoolRequest): Promise<object> {
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

  protected async describeUserPoolClient(input: DescribeUserPoolClientRequest): Promise<object> {
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
}
