/**
 * Identity and abuse limits as the template states them: the user pool and its
 * clients per stage, the route table applied to every method (authorizer,
 * scopes, API key, ROUTE_ACCESS), usage plans, method throttling, the web ACL,
 * the registration trigger, the orders index, the outputs, and cdk-nag clean
 * with no authorizer or WAF finding acknowledged.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ADMINS_GROUP as HANDLER_ADMINS_GROUP } from '../../lambda/domain/access';
import { stageConfig } from '../../lib/config';
import { ADMINS_GROUP, RESOURCE_SERVER, ROUTES, routeName } from '../../lib/routes';
import { synthesisePlatform, type Synthesised } from '../support/synth';

type Resource = { Type: string; Properties: any; Metadata?: any; DeletionPolicy?: string };
type Resources = Record<string, Resource>;

const synthesised: Record<'dev' | 'prod', Synthesised> = {} as never;
beforeAll(() => {
  // Only the template is read here: no bundling (cdk-nag still runs and throws on an unacknowledged error).
  synthesised.dev = synthesisePlatform('dev', { bundle: false });
  synthesised.prod = synthesisePlatform('prod', { bundle: false });
});

const resourcesOf = (stage: 'dev' | 'prod'): Resources => synthesised[stage].template.toJSON().Resources;
const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (resources: Resources, type: string, prefix = '') => {
  const found = ofType(resources, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${found.length}`);
  return found[0]!;
};
const refOf = (value: any): string => value?.Ref ?? value?.['Fn::GetAtt']?.[0];

/** `GET /users/{userId}` -> the method resource, for every method of the API. */
function methods(resources: Resources): Map<string, Resource> {
  const pathOf = (resourceId: string | undefined): string => {
    const resource = resourceId ? resources[resourceId] : undefined;
    if (!resource || resource.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(refOf(resource.Properties.ParentId))}/${resource.Properties.PathPart}`;
  };
  const found = new Map<string, Resource>();
  for (const [, method] of ofType(resources, 'AWS::ApiGateway::Method')) {
    found.set(`${method.Properties.HttpMethod} ${pathOf(refOf(method.Properties.ResourceId)) || '/'}`, method);
  }
  return found;
}

/** The function a method's Lambda proxy integration invokes. */
function targetOf(resources: Resources, method: Resource): Resource {
  const uri = JSON.stringify(method.Properties.Integration?.Uri ?? '');
  const id = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1];
  if (!id || resources[id]?.Type !== 'AWS::Lambda::Function') throw new Error(`no function behind ${uri}`);
  return resources[id]!;
}

const functionId = (resources: Resources, prefix: string) => only(resources, 'AWS::Lambda::Function', prefix)[0];

describe.each(['dev', 'prod'] as const)('%s: every route behind the authorizer, as the route table says', (stage) => {
  it('serves exactly the routes of the table (no other method, no OPTIONS, none public)', () => {
    const served = [...methods(resourcesOf(stage)).keys()].sort();
    expect(served).toEqual(ROUTES.map(routeName).sort());
    expect(ROUTES.filter((r) => r.access === 'public')).toEqual([]);
  });

  it('puts the Cognito authorizer of the user pool on every method', () => {
    const resources = resourcesOf(stage);
    const [authorizerId, authorizer] = only(resources, 'AWS::ApiGateway::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [only(resources, 'AWS::Cognito::UserPool')[0], 'Arn'] }],
    });
    for (const [name, method] of methods(resources)) {
      expect([name, method.Properties.AuthorizationType, method.Properties.AuthorizerId]).toEqual([
        name,
        'COGNITO_USER_POOLS',
        { Ref: authorizerId },
      ]);
    }
  });

  it.each(ROUTES.map((r) => [routeName(r), r] as const))('%s: scopes, API key and ROUTE_ACCESS of its access', (name, route) => {
    const resources = resourcesOf(stage);
    const method = methods(resources).get(name)!;
    const fn = targetOf(resources, method);
    expect(fn.Properties.Environment.Variables.ROUTE_ACCESS).toBe(route.access);
    if (route.access === 'machine') {
      expect(method.Properties.AuthorizationScopes).toEqual(route.scopes.map((s) => `${RESOURCE_SERVER}/${s}`));
      expect(method.Properties.ApiKeyRequired).toBe(true);
    } else {
      // No scopes: API Gateway takes a user's ID token only, so a machine's access token is refused.
      expect(method.Properties.AuthorizationScopes).toBeUndefined();
      expect(method.Properties.ApiKeyRequired ?? false).toBe(false);
    }
  });

  it('gives the admin routes the admin access, and the producers route the machine access', () => {
    const resources = resourcesOf(stage);
    const accessOf = (name: string) => targetOf(resources, methods(resources).get(name)!).Properties.Environment.Variables.ROUTE_ACCESS;
    expect(accessOf('PUT /inventory/{sku}')).toBe('admin');
    expect(accessOf('POST /users/batch')).toBe('admin');
    expect(accessOf('POST /producers/activity')).toBe('machine');
    for (const customer of [
      'GET /users/me',
      'GET /users/{userId}',
      'POST /orders',
      'POST /orders/batch',
      'GET /orders',
      'GET /orders/{orderId}',
      'GET /inventory/{sku}',
      'POST /activity',
      'GET /users/{userId}/engagement',
    ]) {
      expect([customer, accessOf(customer)]).toEqual([customer, 'customer']);
    }
  });

  it('has the admins group the handlers check (one name in lib/ and lambda/)', () => {
    expect(HANDLER_ADMINS_GROUP).toBe(ADMINS_GROUP);
    const [, group] = only(resourcesOf(stage), 'AWS::Cognito::UserPoolGroup');
    expect(group.Properties).toMatchObject({
      GroupName: 'admins',
      UserPoolId: { Ref: only(resourcesOf(stage), 'AWS::Cognito::UserPool')[0] },
    });
  });
});

describe.each(['dev', 'prod'] as const)('%s: the user pool', (stage) => {
  const config = stageConfig(stage);

  it('signs users in by verified email, with a strong password, optional TOTP MFA, name and phone required', () => {
    const [, pool] = only(resourcesOf(stage), 'AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
    expect(pool.Properties.Schema).toEqual(
      expect.arrayContaining([
        { Name: 'email', Required: true, Mutable: true },
        { Name: 'name', Required: true, Mutable: true },
        { Name: 'phone_number', Required: true, Mutable: true },
      ]),
    );
  });

  it('has threat protection and retention as the stage says', () => {
    const [, pool] = only(resourcesOf(stage), 'AWS::Cognito::UserPool');
    if (config.identity.threatProtection) {
      expect(pool.Properties.UserPoolTier).toBe('PLUS');
      expect(pool.Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    } else {
      expect(pool.Properties.UserPoolTier).toBe('ESSENTIALS');
      expect(pool.Properties.UserPoolAddOns).toBeUndefined();
    }
    expect(pool.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
    expect(pool.Properties.DeletionProtection).toBe(stage === 'prod' ? 'ACTIVE' : 'INACTIVE');
  });

  it('has a storefront client without a secret: SRP and refresh, USER_PASSWORD_AUTH only where the stage allows it', () => {
    const [, client] = ofType(resourcesOf(stage), 'AWS::Cognito::UserPoolClient').find(
      ([, c]) => c.Properties.ClientName === 'storefront',
    )!;
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
    const flows = [
      'ALLOW_USER_SRP_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
      ...(config.identity.userPasswordAuth ? ['ALLOW_USER_PASSWORD_AUTH'] : []),
    ];
    expect([...client.Properties.ExplicitAuthFlows].sort()).toEqual(flows.sort());
    expect(config.identity.userPasswordAuth).toBe(stage === 'dev');
    expect(client.Properties.WriteAttributes).not.toContain('email_verified');
  });

  it('has a machine client per config entry: a secret, client_credentials only, its scopes of the resource server', () => {
    const resources = resourcesOf(stage);
    const [serverId, server] = only(resources, 'AWS::Cognito::UserPoolResourceServer');
    expect(server.Properties).toMatchObject({
      Identifier: RESOURCE_SERVER,
      Scopes: [expect.objectContaining({ ScopeName: 'activity.write' })],
    });
    only(resources, 'AWS::Cognito::UserPoolDomain');
    for (const machine of config.machineClients) {
      const [, client] = ofType(resources, 'AWS::Cognito::UserPoolClient').find(([, c]) => c.Properties.ClientName === machine.name)!;
      expect(client.Properties).toMatchObject({
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      });
      expect(client.Properties.AllowedOAuthScopes).toEqual(machine.scopes.map((s) => ({ 'Fn::Join': ['', [{ Ref: serverId }, `/${s}`]] })));
    }
  });

  it('stores the profile after confirmation and checks attributes before sign-up', () => {
    const resources = resourcesOf(stage);
    const [poolId, pool] = only(resources, 'AWS::Cognito::UserPool');
    const register = functionId(resources, 'UsersRegisterProfile');
    const validate = functionId(resources, 'UsersValidateSignUp');
    expect(pool.Properties.LambdaConfig).toEqual({
      PostConfirmation: { 'Fn::GetAtt': [register, 'Arn'] },
      PreSignUp: { 'Fn::GetAtt': [validate, 'Arn'] },
    });
    for (const fn of [register, validate]) {
      const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(
        ([, p]) => refOf(p.Properties.FunctionName) === fn && p.Properties.Principal === 'cognito-idp.amazonaws.com',
      );
      expect(permissions.map(([, p]) => p.Properties.SourceArn)).toEqual([{ 'Fn::GetAtt': [poolId, 'Arn'] }]);
    }
    // Cognito waits 5 s for a trigger.
    expect(resources[register]!.Properties.Timeout).toBe(5);
    const usersTable = only(resources, 'AWS::DynamoDB::Table', 'UsersTable')[0];
    expect(resources[register]!.Properties.Environment.Variables.USERS_TABLE).toEqual({ Ref: usersTable });
    const roleRef = resources[register]!.Properties.Role['Fn::GetAtt'][0];
    const dynamoStatements = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamoStatements).toEqual([
      expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: [{ 'Fn::GetAtt': [usersTable, 'Arn'] }] }),
    ]);
    // POST /users (anonymous registration) is gone.
    expect(ofType(resources, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('UsersCreateUser'))).toEqual([]);
  });
});

describe.each(['dev', 'prod'] as const)('%s: abuse limits', (stage) => {
  const config = stageConfig(stage);

  it('throttles the stage, and the amplifying routes tighter', () => {
    const [, apiStage] = only(resourcesOf(stage), 'AWS::ApiGateway::Stage');
    const settings = apiStage.Properties.MethodSettings as any[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: config.api.rateLimit,
        ThrottlingBurstLimit: config.api.burstLimit,
      }),
    );
    const amplifying = ROUTES.filter((r) => r.amplifies)
      .map(routeName)
      .sort();
    expect(amplifying).toEqual(['POST /activity', 'POST /orders/batch', 'POST /producers/activity', 'POST /users/batch']);
    for (const route of ROUTES.filter((r) => r.amplifies)) {
      expect(settings).toContainEqual(
        expect.objectContaining({
          HttpMethod: route.method,
          ResourcePath: `/${route.path.replaceAll('/', '~1')}`,
          ThrottlingRateLimit: config.api.amplifying.rateLimit,
          ThrottlingBurstLimit: config.api.amplifying.burstLimit,
        }),
      );
    }
    expect(config.api.amplifying.rateLimit).toBeLessThan(config.api.rateLimit);
  });

  it('has a usage plan and an API key per machine client, with its throttle and quota, on the stage', () => {
    const resources = resourcesOf(stage);
    const [stageId] = only(resources, 'AWS::ApiGateway::Stage');
    const plans = ofType(resources, 'AWS::ApiGateway::UsagePlan');
    expect(plans).toHaveLength(config.machineClients.length);
    for (const machine of config.machineClients) {
      const [planId, plan] = plans.find(([, p]) => p.Properties.UsagePlanName === `${machine.name}-${stage}`)!;
      expect(plan.Properties).toMatchObject({
        Throttle: { RateLimit: machine.throttle.rateLimit, BurstLimit: machine.throttle.burstLimit },
        Quota: { Limit: machine.quota.limit, Period: machine.quota.period },
        ApiStages: [expect.objectContaining({ Stage: { Ref: stageId } })],
      });
      const keys = ofType(resources, 'AWS::ApiGateway::UsagePlanKey').filter(([, k]) => refOf(k.Properties.UsagePlanId) === planId);
      expect(keys).toHaveLength(1);
      expect(resources[refOf(keys[0]![1].Properties.KeyId)]!.Type).toBe('AWS::ApiGateway::ApiKey');
    }
  });

  it('puts a regional web ACL with per-IP rate limits in front of the stage and the user pool', () => {
    const resources = resourcesOf(stage);
    const [aclId, acl] = only(resources, 'AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rule = (name: string) => acl.Properties.Rules.find((r: any) => r.Name === name);
    expect(rule('RequestsPerIp').Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: config.waf.requestsPerIp,
      EvaluationWindowSec: 300,
    });
    const amplifying = rule('AmplifyingRoutesPerIp').Statement.RateBasedStatement;
    expect(amplifying).toMatchObject({ AggregateKeyType: 'IP', Limit: config.waf.amplifyingRequestsPerIp });
    expect(amplifying.ScopeDownStatement.OrStatement.Statements.map((s: any) => s.ByteMatchStatement.SearchString).sort()).toEqual([
      '/activity',
      '/orders/batch',
      '/producers/activity',
      '/users/batch',
    ]);
    for (const name of ['RequestsPerIp', 'AmplifyingRoutesPerIp']) {
      expect(rule(name).Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
    }
    const [stageId] = only(resources, 'AWS::ApiGateway::Stage');
    const [restApiId] = only(resources, 'AWS::ApiGateway::RestApi');
    const associations = ofType(resources, 'AWS::WAFv2::WebACLAssociation').map(([, a]) => a.Properties);
    expect(associations).toHaveLength(2);
    for (const association of associations) expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const arns = associations.map((a) => JSON.stringify(a.ResourceArn));
    expect(arns.filter((arn) => arn.includes(`{"Ref":"${restApiId}"},"/stages/",{"Ref":"${stageId}"}`))).toHaveLength(1);
    // The user pool's sign-up and sign-in endpoints, the only ones open without a token, too.
    const [poolId] = only(resources, 'AWS::Cognito::UserPool');
    expect(arns).toContain(JSON.stringify({ 'Fn::GetAtt': [poolId, 'Arn'] }));
  });
});

describe('dev: orders by customer', () => {
  it('indexes orders by customerId and createdAt, and lets GET /orders query that index only', () => {
    const resources = resourcesOf('dev');
    const [tableId, table] = only(resources, 'AWS::DynamoDB::Table', 'OrderSagaOrdersTable');
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byCustomer',
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['orderId', 'status', 'total', 'currency', 'updatedAt'] },
      },
      // The PENDING-age probe's index (lib/pending-orders.ts): keys only, never readable by GET /orders.
      {
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    const list = functionId(resources, 'OrderSagaOrdersListOrders');
    expect(resources[list]!.Properties.Environment.Variables).toMatchObject({
      ORDERS_BY_CUSTOMER_INDEX: 'byCustomer',
      ROUTE_ACCESS: 'customer',
    });
    const roleRef = resources[list]!.Properties.Role['Fn::GetAtt'][0];
    const statements = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byCustomer']] },
      }),
    ]);
  });
});

describe.each(['dev', 'prod'] as const)('%s: outputs and cdk-nag', (stage) => {
  it('outputs the pool, the storefront client, the token URL, and each machine client and API key', () => {
    const outputs = synthesised[stage].template.toJSON().Outputs;
    const names = ['UserPoolId', 'UserPoolClientId', 'TokenUrl', 'ApiUrl'];
    for (const machine of stageConfig(stage).machineClients) names.push(`${machine.name}ClientId`, `${machine.name}ApiKeyId`);
    for (const name of names) expect([name, outputs[name]?.Value]).toEqual([name, expect.anything()]);
    expect(JSON.stringify(outputs.TokenUrl.Value)).toContain('/oauth2/token');
  });

  it('passes cdk-nag with no authorizer or WAF finding acknowledged', () => {
    const report = JSON.parse(readFileSync(path.join(synthesised[stage].outdir, 'validation-report.json'), 'utf8'));
    const nag = report.pluginReports.find((p: any) => p.pluginName === 'AwsSolutions');
    expect(nag.conclusion).toBe('success');
    expect(nag.violations).toEqual([]);
    const acknowledged = nag.suppressedViolations.map((v: any) => v.ruleName);
    for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4', 'AwsSolutions-APIG3']) expect(acknowledged).not.toContain(rule);
    // The MFA choice is acknowledged with its reason; threat protection only where the stage turns it off.
    expect(acknowledged).toContain('AwsSolutions-COG2');
    expect(acknowledged.includes('AwsSolutions-COG8')).toBe(!stageConfig(stage).identity.threatProtection);
  });
});
