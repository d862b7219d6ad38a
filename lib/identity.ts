import { Aws, CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { MachineClientConfig, StageConfig } from './config';
import { acknowledge } from './nag';
import { ADMINS_GROUP, machineScopes, RESOURCE_SERVER, ROUTES, routeName } from './routes';

export interface IdentityProps {
  readonly config: StageConfig;
}

/**
 * Who calls the API. One Cognito user pool:
 *
 * - Customers sign up with their email as the username (verified by a code,
 *   case-insensitive), a name and a phone number (both required: the users
 *   table keeps them for notifications), a strong password, and optional TOTP
 *   MFA. Once confirmed, the post-confirmation trigger (lib/users.ts) stores
 *   their profile under their `sub`.
 * - The storefront app client has no secret (a browser or a phone cannot keep
 *   one): SRP sign-in and refresh tokens; USER_PASSWORD_AUTH only where the
 *   stage says so (dev: tests and the CLI). No OAuth/hosted UI flows.
 * - Group `admins`: its members may call the admin routes (the handler checks
 *   the token's `cognito:groups`; see lib/routes.ts).
 * - Machine clients (config `machineClients`): an app client with a secret per
 *   client, OAuth2 `client_credentials` at the pool's domain (`TokenUrl`), for
 *   the scopes of resource server `commerce` the route table asks for.
 */
export class Identity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly storefrontClient: cognito.UserPoolClient;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly domain: cognito.UserPoolDomain;
  readonly adminsGroup: cognito.UserPoolGroup;
  readonly machineClients: readonly { readonly config: MachineClientConfig; readonly client: cognito.UserPoolClient }[];

  constructor(scope: Construct, id: string, { config }: IdentityProps) {
    super(scope, id);
    const { threatProtection, userPasswordAuth } = config.identity;
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed email takes effect only once the new address is verified.
      keepOriginal: { email: true },
      userVerification: {
        emailStyle: cognito.VerificationEmailStyle.CODE,
        emailSubject: 'Your serverless-commerce verification code',
        emailBody: 'Your verification code is {####}',
      },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: true, mutable: true },
        phoneNumber: { required: true, mutable: true },
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(threatProtection ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: config.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: config.removalPolicy,
    });
    acknowledge(this.userPool, {
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP only, no SMS): shoppers opt in; requiring a second factor at sign-up would turn customers away. Admins are expected to enrol TOTP.',
    });
    if (!threatProtection) {
      acknowledge(this.userPool, {
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason: `Threat protection (Plus feature plan, billed per monthly active user) is enabled in prod; ${config.stage} holds test users only (config identity.threatProtection).`,
      });
    }

    this.storefrontClient = this.userPool.addClient('StorefrontClient', {
      userPoolClientName: 'storefront',
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: userPasswordAuth },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({
        email: true,
        emailVerified: true,
        fullname: true,
        phoneNumber: true,
      }),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, fullname: true, phoneNumber: true }),
    });

    this.adminsGroup = this.userPool.addGroup('Admins', {
      groupName: ADMINS_GROUP,
      description: 'May call the admin routes (lib/routes.ts)',
      precedence: 0,
    });

    const scopes = new Map(
      machineScopes().map((name) => {
        const usedBy = ROUTES.filter((r) => r.access === 'machine' && r.scopes.includes(name)).map(routeName);
        return [name, new cognito.ResourceServerScope({ scopeName: name, scopeDescription: usedBy.join(', ') })];
      }),
    );
    this.resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'serverless-commerce API',
      scopes: [...scopes.values()],
    });
    // The OAuth2 endpoints (token URL) of machine clients. A prefix is unique per region: account and stage make it so.
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `serverless-commerce-${config.stage}-${Aws.ACCOUNT_ID}` },
    });

    this.machineClients = config.machineClients.map((machine) => {
      const unknown = machine.scopes.filter((s) => !scopes.has(s));
      if (unknown.length > 0) {
        throw new Error(`Machine client ${machine.name} asks for ${unknown.join(', ')}, which no machine route uses`);
      }
      const client = this.userPool.addClient(`${machine.name}Client`, {
        userPoolClientName: machine.name,
        generateSecret: true,
        // No user sign-in through this client: tokens come from client_credentials only.
        authFlows: { userSrp: false, userPassword: false, adminUserPassword: false, custom: false },
        oAuth: {
          flows: { clientCredentials: true },
          scopes: machine.scopes.map((s) => cognito.OAuthScope.resourceServer(this.resourceServer, scopes.get(s)!)),
        },
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
      });
      new CfnOutput(this, `${machine.name}ClientIdOutput`, {
        key: `${machine.name}ClientId`,
        value: client.userPoolClientId,
        description: `${machine.description}; its secret: aws cognito-idp describe-user-pool-client`,
      });
      return { config: machine, client };
    });

    new CfnOutput(this, 'UserPoolIdOutput', { key: 'UserPoolId', value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientIdOutput', { key: 'UserPoolClientId', value: this.storefrontClient.userPoolClientId });
    new CfnOutput(this, 'TokenUrlOutput', {
      key: 'TokenUrl',
      value: `${this.domain.baseUrl()}/oauth2/token`,
      description: 'OAuth2 token endpoint of the machine clients (grant_type=client_credentials)',
    });
  }

  /** Runs `fn` after a user confirms their sign-up (and after a confirmed password reset). */
  onPostConfirmation(fn: IFunction): void {
    this.userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, fn);
  }

  /** Runs `fn` before Cognito accepts a sign-up: it may refuse it with a message. */
  onPreSignUp(fn: IFunction): void {
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, fn);
  }
}
