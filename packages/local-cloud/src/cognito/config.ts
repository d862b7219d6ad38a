/**
 * What the local Cognito reads from the template: a pool's sign-in, password
 * and trigger settings, a client's auth flows and token validities, a group's
 * precedence and role, each with Cognito's defaults.
 */
import type { StackResource } from '../types';
import { CognitoError } from './errors';

export interface PasswordPolicy {
  readonly minimumLength: number;
  readonly requireUppercase: boolean;
  readonly requireLowercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
  readonly temporaryPasswordValidityDays: number;
}

export interface PoolConfig {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly logicalId: string;
  /** `email` and/or `phone_number`: sign in with them instead of a user name (the user name is then the `sub`). */
  readonly usernameAttributes: readonly string[];
  /** `email`, `phone_number`, `preferred_username`: verified aliases one may also sign in with. */
  readonly aliasAttributes: readonly string[];
  readonly autoVerifiedAttributes: readonly string[];
  readonly caseSensitive: boolean;
  readonly passwordPolicy: PasswordPolicy;
  /** Trigger name (`PreSignUp`, `PostConfirmation`, ...) -> function ARN. */
  readonly triggers: Readonly<Record<string, string>>;
  /** `1` or `2` (PreTokenGenerationConfig.LambdaVersion V1_0 / V2_0). */
  readonly preTokenGenerationVersion: '1' | '2';
  readonly mfaConfiguration: string;
  /** Attributes the schema marks `Required` (besides the username attributes). */
  readonly requiredAttributes: readonly string[];
  readonly adminCreateUserOnly: boolean;
}

export interface ClientConfig {
  readonly id: string;
  readonly poolId: string;
  readonly name: string;
  /** Set when the client has `GenerateSecret: true`: calls must carry `SecretHash`. */
  readonly secret?: string;
  readonly authFlows: ReadonlySet<string>;
  readonly accessTokenSeconds: number;
  readonly idTokenSeconds: number;
  readonly refreshTokenSeconds: number;
  /** `ENABLED`: an unknown user fails like a wrong password (NotAuthorizedException). */
  readonly preventUserExistenceErrors: boolean;
  /** Attributes readable through this client (undefined: all). */
  readonly readAttributes?: readonly string[];
  /** `AllowedOAuthFlows` (`client_credentials`, `code`, `implicit`). */
  readonly oauthFlows: readonly string[];
  /** `AllowedOAuthScopes` (`commerce/activity.write`, `openid`...). */
  readonly oauthScopes: readonly string[];
}

export interface GroupConfig {
  readonly name: string;
  readonly poolId: string;
  readonly description?: string;
  readonly precedence?: number;
  readonly roleArn?: string;
}

const bool = (value: unknown, fallback: boolean) => (value === undefined ? fallback : value === true || value === 'true');
const num = (value: unknown, fallback: number) => (value === undefined || value === '' ? fallback : Number(value));
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export function poolConfig(resource: StackResource, region: string, accountId: string): PoolConfig {
  const p = resource.properties;
  const id = resource.physicalId;
  const policy = (p.Policies?.PasswordPolicy ?? {}) as Record<string, unknown>;
  const lambda = (p.LambdaConfig ?? {}) as Record<string, unknown>;
  const triggers: Record<string, string> = {};
  for (const [name, value] of Object.entries(lambda)) if (typeof value === 'string') triggers[name] = value;
  const preTokenConfig = lambda.PreTokenGenerationConfig as { LambdaArn?: string; LambdaVersion?: string } | undefined;
  if (preTokenConfig?.LambdaArn) triggers.PreTokenGeneration = preTokenConfig.LambdaArn;
  const schema = Array.isArray(p.Schema) ? (p.Schema as Array<{ Name?: string; Required?: unknown }>) : [];
  return {
    id,
    arn: resource.attributes.Arn?.includes(':userpool/')
      ? resource.attributes.Arn
      : `arn:aws:cognito-idp:${region}:${accountId}:userpool/${id}`,
    name: String(p.UserPoolName ?? resource.logicalId),
    logicalId: resource.logicalId,
    usernameAttributes: strings(p.UsernameAttributes),
    aliasAttributes: strings(p.AliasAttributes),
    autoVerifiedAttributes: strings(p.AutoVerifiedAttributes),
    caseSensitive: bool((p.UsernameConfiguration as { CaseSensitive?: unknown } | undefined)?.CaseSensitive, true),
    passwordPolicy: {
      minimumLength: num(policy.MinimumLength, 8),
      requireUppercase: bool(policy.RequireUppercase, true),
      requireLowercase: bool(policy.RequireLowercase, true),
      requireNumbers: bool(policy.RequireNumbers, true),
      requireSymbols: bool(policy.RequireSymbols, true),
      temporaryPasswordValidityDays: num(policy.TemporaryPasswordValidityDays, 7),
    },
    triggers,
    preTokenGenerationVersion: preTokenConfig?.LambdaVersion === 'V2_0' ? '2' : '1',
    mfaConfiguration: String(p.MfaConfiguration ?? 'OFF'),
    requiredAttributes: schema.filter((a) => bool(a.Required, false) && a.Name).map((a) => String(a.Name)),
    adminCreateUserOnly: bool(
      (p.AdminCreateUserConfig as { AllowAdminCreateUserOnly?: unknown } | undefined)?.AllowAdminCreateUserOnly,
      false,
    ),
  };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/** Default flows of a client created without ExplicitAuthFlows. */
const DEFAULT_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'];
/** Legacy flow names and the ALLOW_ flows they stand for (refresh is always allowed with them). */
const LEGACY_FLOWS: Record<string, string> = {
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  CUSTOM_AUTH_FLOW_ONLY: 'ALLOW_CUSTOM_AUTH',
};

export function clientConfig(resource: StackResource, poolId: string): ClientConfig {
  const p = resource.properties;
  const units = (p.TokenValidityUnits ?? {}) as Record<string, string>;
  const seconds = (value: unknown, unit: string | undefined, defaultUnit: string, fallback: number) =>
    value === undefined ? fallback : Number(value) * (UNIT_SECONDS[unit ?? defaultUnit] ?? UNIT_SECONDS[defaultUnit]);
  const given = strings(p.ExplicitAuthFlows);
  const flows = new Set<string>(given.length === 0 ? DEFAULT_FLOWS : []);
  for (const flow of given) {
    if (LEGACY_FLOWS[flow]) {
      flows.add(LEGACY_FLOWS[flow]);
      flows.add('ALLOW_REFRESH_TOKEN_AUTH');
      flows.add('ALLOW_USER_SRP_AUTH');
    } else flows.add(flow);
  }
  const generateSecret = bool(p.GenerateSecret, false);
  return {
    id: resource.physicalId,
    poolId,
    name: String(p.ClientName ?? resource.logicalId),
    ...(generateSecret ? { secret: resource.attributes.ClientSecret ?? `${resource.physicalId}-secret` } : {}),
    authFlows: flows,
    accessTokenSeconds: seconds(p.AccessTokenValidity, units.AccessToken, 'hours', 3600),
    idTokenSeconds: seconds(p.IdTokenValidity, units.IdToken, 'hours', 3600),
    refreshTokenSeconds: seconds(p.RefreshTokenValidity, units.RefreshToken, 'days', 30 * 86_400),
    preventUserExistenceErrors: p.PreventUserExistenceErrors === 'ENABLED',
    ...(Array.isArray(p.ReadAttributes) ? { readAttributes: strings(p.ReadAttributes) } : {}),
    oauthFlows: bool(p.AllowedOAuthFlowsUserPoolClient, false) ? strings(p.AllowedOAuthFlows) : [],
    oauthScopes: strings(p.AllowedOAuthScopes),
  };
}

export function groupConfig(resource: StackResource): GroupConfig {
  const p = resource.properties;
  return {
    name: String(p.GroupName ?? resource.physicalId),
    poolId: String(p.UserPoolId),
    ...(p.Description !== undefined ? { description: String(p.Description) } : {}),
    ...(p.Precedence !== undefined ? { precedence: Number(p.Precedence) } : {}),
    ...(p.RoleArn !== undefined ? { roleArn: String(p.RoleArn) } : {}),
  };
}

const SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

/** Fails as Cognito does when `password` breaks the pool's policy. */
export function checkPassword(policy: PasswordPolicy, password: string): void {
  const fail = (reason: string) => {
    throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${reason}`);
  };
  if (password.length < policy.minimumLength) fail('Password not long enough');
  if (policy.requireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.requireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.requireNumbers && !/[0-9]/.test(password)) fail('Password must have numeric characters');
  if (policy.requireSymbols && !SYMBOLS.test(password)) fail('Password must have symbol characters');
}

/** A temporary password that satisfies the policy (for AdminCreateUser without TemporaryPassword). */
export function temporaryPassword(policy: PasswordPolicy, random: (n: number) => Buffer): string {
  const base = random(Math.max(policy.minimumLength, 8)).toString('base64url').replace(/[-_]/g, 'x');
  return `${base}Aa1!`;
}
