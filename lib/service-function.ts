import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_BUNDLING } from './bundling';
import type { StageConfig } from './config';
import { acknowledge } from './nag';
import { ENV } from '#contracts/environment';
import { API_FUNCTION_TIMEOUT_S } from '#contracts/time-budgets';

const PROJECT_ROOT = path.join(__dirname, '..');

export interface ServiceFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture'> {
  /** Handler file, relative to `lambda/` (e.g. `users/create-user.ts`). */
  readonly entry: string;
  /** Bounded context: Powertools service name and metrics dimension. */
  readonly service: string;
  readonly config: StageConfig;
}

/**
 * The one place that sets every Lambda's defaults: Node.js 22 on arm64, an ESM
 * bundle built by the local esbuild (minified, source maps, tree-shaken), active
 * X-Ray tracing, a log group with the stage's retention, the Powertools
 * environment, and a timeout inside the nested time budgets (#contracts/time-budgets). A stack only says what is different about a function.
 */
export class ServiceFunction extends NodejsFunction {
  /** The handler's source file (absolute): what the local start and dev loop bundle for this function. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const { entry, service, config, environment, bundling, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to this
    // function's log group only, not to every log group of the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runtime role of ${id}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(PROJECT_ROOT, 'lambda', entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: config.lambdaMemoryMb,
      // Longer than one SDK call's worst case, shorter than API Gateway's 29 s (#contracts/time-budgets).
      timeout: Duration.seconds(API_FUNCTION_TIMEOUT_S),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...rest,
      environment: {
        [ENV.POWERTOOLS_SERVICE_NAME]: service,
        [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'ServerlessCommerce',
        [ENV.POWERTOOLS_LOG_LEVEL]: config.stage === 'prod' ? 'INFO' : 'DEBUG',
        [ENV.STAGE]: config.stage,
        [ENV.NODE_OPTIONS]: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: HANDLER_BUNDLING.target,
        minify: HANDLER_BUNDLING.minify,
        sourceMap: HANDLER_BUNDLING.sourcemap,
        sourcesContent: HANDLER_BUNDLING.sourcesContent,
        mainFields: [...HANDLER_BUNDLING.mainFields],
        banner: HANDLER_BUNDLING.banner,
        logLevel: HANDLER_BUNDLING.logLevel as LogLevel,
        // Bundle the SDK too: pinned versions, tree-shaken, and no dependence on
        // what the runtime happens to ship.
        externalModules: [],
        ...bundling,
      },
    });
    this.entry = path.join(PROJECT_ROOT, 'lambda', entry);
    acknowledge(this, {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Pinned to Node.js 22, the runtime this project targets and tests; upgrade deliberately.',
    });
    acknowledge(role, {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
    });
  }
}
