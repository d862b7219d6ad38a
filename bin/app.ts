#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { definePlatform } from './platform';

/**
 * One PlatformStack per stage: `cdk synth -c stage=prod`. Environment-agnostic,
 * so synth needs no AWS account or credentials; `cdk deploy` takes the account
 * and region from the caller's profile. cdk-nag runs on every synth.
 */
const app = new App();
definePlatform(app);
app.synth();
