#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../lib/config';
import { PlatformStack } from '../lib/platform-stack';

/**
 * One PlatformStack per stage: `cdk synth -c stage=prod`. Environment-agnostic,
 * so synth needs no AWS account or credentials; `cdk deploy` takes the account
 * and region from the caller's profile.
 */
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
new PlatformStack(app, `ServerlessCommerce-${stage}`, {
  config: stageConfig(stage),
  description: `serverless-commerce platform (${stage})`,
});
// cdk-nag 3 runs as a validation plugin at synth: an unacknowledged error fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
