import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '#contracts/environment';
import type { StageConfig } from './config';
import type { Identity } from './identity';
import { acknowledge } from './nag';
import { type Access, RESOURCE_SERVER, type Route, ROUTES, routeName, routeOf } from './routes';
import { ApiFirewall } from './waf';

export interface ApiProps {
  readonly config: StageConfig;
  readonly identity: Identity;
}

/** The environment variable that tells a handler its route's access (lib/routes.ts). */
export const ROUTE_ACCESS_ENV = ENV.ROUTE_ACCESS;

/**
 * The platform's REST API: one stage named after the platform stage, throttled
 * (the amplifying routes tighter), traced, with JSON access logs, behind a web
 * ACL; every route a Lambda proxy integration behind the user pool's
 * authorizer, with the access the route table (lib/routes.ts) gives it. Each
 * machine client has an API key and a usage plan (its throttle and quota).
 * Request validation is the handlers' job (zod, every problem listed in one
 * 400), so the API adds no models of its own.
 */
export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly authorizer: apigateway.CognitoUserPoolsAuthorizer;
  readonly firewall: ApiFirewall;
  private readonly served = new Set<string>();
  private readonly accessOf = new Map<lambda.Function, Access>();

  constructor(scope: Construct, id: string, { config, identity }: ApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const amplifying = ROUTES.filter((r) => r.amplifies);
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: `serverless-commerce ${config.stage}`,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        throttlingRateLimit: config.api.rateLimit,
        throttlingBurstLimit: config.api.burstLimit,
        // One request of these is up to hundreds of writes (costs in lib/routes.ts).
        methodOptions: Object.fromEntries(
          amplifying.map((r) => [
            `${r.path}/${r.method}`,
            { throttlingRateLimit: config.api.amplifying.rateLimit, throttlingBurstLimit: config.api.amplifying.burstLimit },
          ]),
        ),
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [identity.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    this.firewall = new ApiFirewall(this, 'Firewall', {
      config,
      stage: this.restApi.deploymentStage,
      amplifying,
      userPool: identity.userPool,
    });

    for (const { config: machine } of identity.machineClients) {
      const plan = this.restApi.addUsagePlan(`${machine.name}Plan`, {
        name: `${machine.name}-${config.stage}`,
        description: machine.description,
        throttle: machine.throttle,
        quota: { limit: machine.quota.limit, period: apigateway.Period[machine.quota.period] },
        apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
      });
      const key = this.restApi.addApiKey(`${machine.name}Key`, { description: `API key of ${machine.name}` });
      plan.addApiKey(key);
      new CfnOutput(this, `${machine.name}KeyId`, { key: `${machine.name}ApiKeyId`, value: key.keyId });
    }

    // Every listed route must be served: a route in the table and nowhere else is a mistake.
    this.node.addValidation({
      validate: () =>
        ROUTES.filter((r) => !this.served.has(routeName(r))).map(
          (r) => `${routeName(r)} is in the route table (lib/routes.ts) but no construct serves it`,
        ),
    });

    new CfnOutput(this, 'Url', { key: 'ApiUrl', value: this.restApi.url });
    acknowledge(
      this.restApi,
      { id: 'AwsSolutions::AwsSolutions-APIG2', reason: 'Handlers validate every request with zod and list every problem in one 400.' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's account-level logging role; AWS publishes this policy for exactly that role.",
      },
    );
  }

  /**
   * Adds `method path` (e.g. `GET /users/{userId}`) served by `handler`, with the
   * access the route table gives it; the handler gets that access as
   * `ROUTE_ACCESS`. A route missing from the table is an error.
   */
  route(method: string, path: string, handler: lambda.Function): apigateway.Method {
    const route = routeOf(method, path);
    const name = routeName(route);
    if (this.served.has(name)) throw new Error(`${name} is served twice`);
    this.served.add(name);
    const known = this.accessOf.get(handler);
    if (known && known !== route.access) {
      throw new Error(`${handler.node.path} would serve ${name} (${route.access}) and a ${known} route: one access per function`);
    }
    if (!known) {
      this.accessOf.set(handler, route.access);
      handler.addEnvironment(ROUTE_ACCESS_ENV, route.access);
    }
    const resource = path
      .split('/')
      .filter(Boolean)
      .reduce<apigateway.IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), this.restApi.root);
    return resource.addMethod(method, new apigateway.LambdaIntegration(handler), this.methodOptions(route));
  }

  private methodOptions(route: Route): apigateway.MethodOptions {
    switch (route.access) {
      case 'public':
        return { authorizationType: apigateway.AuthorizationType.NONE };
      case 'machine':
        // An access token with the route's scope, which only the machine clients can get, and the client's API key.
        return {
          authorizer: this.authorizer,
          authorizationType: apigateway.AuthorizationType.COGNITO,
          authorizationScopes: route.scopes.map((s) => `${RESOURCE_SERVER}/${s}`),
          apiKeyRequired: true,
        };
      case 'customer':
      case 'admin':
        // No scopes: API Gateway then wants a user's ID token (token_use id), so a machine's
        // access token is refused here; the handler reads the caller from its claims.
        return { authorizer: this.authorizer, authorizationType: apigateway.AuthorizationType.COGNITO };
    }
  }
}
