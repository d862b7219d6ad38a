import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { acknowledge } from './nag';

export interface RouteOptions {
  /** Admin routes need the stage's API key (sent as `x-api-key`). */
  readonly apiKeyRequired?: boolean;
}

/**
 * The platform's REST API: one stage named after the platform stage, throttled,
 * traced, with JSON access logs; every route a Lambda proxy integration. Request
 * validation is the handlers' job (zod, every problem listed in one 400), so the
 * API adds no models of its own.
 */
export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  private usagePlan?: apigateway.UsagePlan;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
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
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    new CfnOutput(this, 'Url', { key: 'ApiUrl', value: this.restApi.url });
    acknowledge(
      this.restApi,
      { id: 'AwsSolutions::AwsSolutions-APIG2', reason: 'Handlers validate every request with zod and list every problem in one 400.' },
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: 'A public storefront API; admin routes require an API key. Add an authorizer per deployment.' },
      { id: 'AwsSolutions::AwsSolutions-COG4', reason: 'No Cognito user pool in this reference platform; see AwsSolutions-APIG4.' },
      { id: 'AwsSolutions::AwsSolutions-APIG3', reason: 'WAF is an account-level choice with a monthly cost; attach a web ACL per deployment.' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's account-level logging role; AWS publishes this policy for exactly that role.",
      },
    );
  }

  /** Adds `method path` (e.g. `GET /users/{userId}`) served by `handler`. */
  route(method: string, path: string, handler: IFunction, options: RouteOptions = {}): apigateway.Method {
    const resource = path
      .split('/')
      .filter(Boolean)
      .reduce<apigateway.IResource>(
        (parent, part) => parent.getResource(part) ?? parent.addResource(part),
        this.restApi.root,
      );
    if (options.apiKeyRequired) this.ensureUsagePlan();
    return resource.addMethod(method, new apigateway.LambdaIntegration(handler), {
      apiKeyRequired: options.apiKeyRequired ?? false,
    });
  }

  /** An API key and usage plan for admin routes, created with the first such route. */
  private ensureUsagePlan(): void {
    if (this.usagePlan) return;
    this.usagePlan = this.restApi.addUsagePlan('AdminPlan', {
      description: 'Admin routes (inventory management)',
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
    const key = this.restApi.addApiKey('AdminKey', { description: 'Admin API key' });
    this.usagePlan.addApiKey(key);
    new CfnOutput(this, 'AdminKeyId', { key: 'AdminApiKeyId', value: key.keyId });
  }
}
