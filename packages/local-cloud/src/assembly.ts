/**
 * Reads a cloud assembly (`cdk.out`) and "deploys" it on paper: every resource
 * gets the physical name, ARN and attributes it will have on the local cloud,
 * then properties and outputs are resolved against those names. The other
 * parts of the local cloud only ever see the resolved `LocalStack`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IntrinsicError, evaluateCondition, fakeStackId, resolveValue, type ResolveContext } from './intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack, type StackResource } from './types';

export interface LoadAssemblyOptions {
  /** Region every stack is served in (default `us-east-1`), whatever its `env` says. */
  readonly region?: string;
  /** Account every stack is served in (default `000000000000`). */
  readonly accountId?: string;
  /** Base URL of the edge endpoint; SQS queue URLs are built on it (default `http://localhost:4566`). */
  readonly edgeUrl?: string;
  /** Values for template parameters, by parameter name (applied to every stack that declares it). */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The stack name and template file of one stack artifact. */
interface StackArtifact {
  readonly id: string;
  readonly stackName: string;
  readonly assemblyDir: string;
  readonly templatePath: string;
  readonly dependencies: readonly string[];
}

interface Template {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Resources?: Record<string, RawResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string; Export?: { Name: unknown } }>;
}

interface RawResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, any>;
  Condition?: string;
}

interface Identity {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
  /** Types modelled here answer only their known attributes; others get a fake for any. */
  readonly modelled: boolean;
}

/**
 * Loads every CloudFormation stack of the cloud assembly at `cdkOutDir`
 * (including nested assemblies of CDK Stages), in dependency order.
 *
 * Guarantees: physical names are deterministic (same template, same names:
 * a `--data-dir` keeps matching its tables and buckets across restarts);
 * names the template sets are kept, others are `<StackName>-<LogicalId>`
 * (shortened with a hash where the service limits length; lower-case for
 * buckets); resources whose `Condition` is false are left out, as
 * CloudFormation does; every property and output is resolved, or loading
 * fails with an error naming the template path that could not be resolved.
 */
export function loadAssembly(cdkOutDir: string, options: LoadAssemblyOptions = {}): LocalStack[] {
  const root = path.resolve(cdkOutDir);
  const manifestPath = path.join(root, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: run \`cdk synth\` first (or pass the cdk.out folder)`);
  }
  const artifacts = sortByDependencies(readStackArtifacts(root));
  const exports = new Map<string, string>();
  return artifacts.map((artifact) => {
    const stack = loadStack(artifact, options, exports);
    return stack;
  });
}

function readStackArtifacts(dir: string): StackArtifact[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: Record<string, any>; dependencies?: string[] }>;
  };
  const found: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const properties = artifact.properties ?? {};
      found.push({
        id,
        stackName: String(properties.stackName ?? id),
        assemblyDir: dir,
        templatePath: path.join(dir, String(properties.templateFile)),
        dependencies: artifact.dependencies ?? [],
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      found.push(...readStackArtifacts(path.join(dir, String(artifact.properties.directoryName))));
    }
  }
  return found;
}

function sortByDependencies(artifacts: StackArtifact[]): StackArtifact[] {
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const sorted: StackArtifact[] = [];
  const seen = new Set<string>();
  const visit = (a: StackArtifact) => {
    if (seen.has(a.id)) return;
    seen.add(a.id);
    for (const dep of a.dependencies) {
      const d = byId.get(dep);
      if (d) visit(d);
    }
    sorted.push(a);
  };
  artifacts.forEach(visit);
  return sorted;
}

function loadStack(artifact: StackArtifact, options: LoadAssemblyOptions, exports: Map<string, string>): LocalStack {
  const template = JSON.parse(readFileSync(artifact.templatePath, 'utf8')) as Template;
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const edgeUrl = (options.edgeUrl ?? 'http://localhost:4566').replace(/\/+$/, '');
  const stackName = artifact.stackName;
  const rawResources = template.Resources ?? {};
  const { values: parameters, missing } = parameterValues(template, options.parameters ?? {});

  const identities = new Map<string, Identity>();
  const inProgress = new Set<string>();

  const context: ResolveContext = {
    region,
    accountId,
    stackName,
    stackId: fakeStackId({ region, accountId, stackName }),
    parameters,
    conditions: template.Conditions ?? {},
    mappings: template.Mappings ?? {},
    ref: (logicalId) => {
      if (missing.has(logicalId)) throw new Error(missing.get(logicalId));
      return identityOf(logicalId)?.physicalId;
    },
    getAtt: (logicalId, attribute) => {
      const identity = identityOf(logicalId);
      if (!identity) return undefined;
      const value = identity.attributes[attribute];
      if (value !== undefined) return value;
      if (!identity.modelled) return `${identity.physicalId}/${attribute}`;
      const known = Object.keys(identity.attributes).join(', ') || 'none';
      throw new Error(
        `Fn::GetAtt ${logicalId}.${attribute}: the local cloud does not know attribute '${attribute}' of ${rawResources[logicalId].Type} (known: ${known})`,
      );
    },
    importValue: (name) => exports.get(name),
  };

  const included = (logicalId: string): boolean => {
    const condition = rawResources[logicalId]?.Condition;
    return condition === undefined || evaluateCondition(condition, context, `Resources.${logicalId}.Condition`);
  };

  function identityOf(logicalId: string): Identity | undefined {
    const cached = identities.get(logicalId);
    if (cached) return cached;
    const raw = rawResources[logicalId];
    if (!raw || !included(logicalId)) return undefined;
    if (inProgress.has(logicalId)) {
      throw new IntrinsicError(`Resources.${logicalId}`, 'circular reference while naming this resource');
    }
    inProgress.add(logicalId);
    try {
      const identity = identify(logicalId, raw, {
        region,
        accountId,
        stackName,
        edgeUrl,
        prop: (name) => resolveValue(raw.Properties?.[name], context, `Resources.${logicalId}.Properties.${name}`),
      });
      identities.set(logicalId, identity);
      return identity;
    } finally {
      inProgress.delete(logicalId);
    }
  }

  const resources: StackResource[] = [];
  for (const [logicalId, raw] of Object.entries(rawResources)) {
    const identity = identityOf(logicalId);
    if (!identity) continue;
    const properties = (resolveValue(raw.Properties ?? {}, context, `Resources.${logicalId}.Properties`) ?? {}) as Record<string, any>;
    const attributes = { ...identity.attributes };
    if (raw.Type === 'AWS::ApiGateway::ApiKey') {
      // Not a CloudFormation attribute: the key's value, for the local API Gateway to check.
      attributes.Value = typeof properties.Value === 'string' ? properties.Value : hashId([stackName, logicalId, 'value'], 40, ALNUM);
    }
    resources.push(
      Object.freeze({
        logicalId,
        type: raw.Type,
        properties,
        physicalId: identity.physicalId,
        attributes: Object.freeze(attributes),
        metadata: raw.Metadata ?? {},
      }),
    );
  }

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !evaluateCondition(output.Condition, context, `Outputs.${name}.Condition`)) continue;
    const value = resolveValue(output.Value, context, `Outputs.${name}.Value`);
    outputs[name] = Array.isArray(value) ? value.join(',') : String(value);
    if (output.Export) {
      exports.set(String(resolveValue(output.Export.Name, context, `Outputs.${name}.Export.Name`)), outputs[name]);
    }
  }

  return makeStack({ stackName, region, accountId, assemblyDir: artifact.assemblyDir, resources, outputs });
}

function makeStack(fields: Omit<LocalStack, 'byType' | 'find'>): LocalStack {
  const byLogicalId = new Map<string, StackResource>();
  const byPhysicalId = new Map<string, StackResource>();
  const byAttribute = new Map<string, StackResource>();
  const byTypeMap = new Map<string, StackResource[]>();
  for (const r of fields.resources) {
    byLogicalId.set(r.logicalId, r);
    if (!byPhysicalId.has(r.physicalId)) byPhysicalId.set(r.physicalId, r);
    for (const v of Object.values(r.attributes)) if (!byAttribute.has(v)) byAttribute.set(v, r);
    byTypeMap.set(r.type, [...(byTypeMap.get(r.type) ?? []), r]);
  }
  return Object.freeze({
    ...fields,
    resources: Object.freeze([...fields.resources]),
    outputs: Object.freeze({ ...fields.outputs }),
    byType: (type: string) => [...(byTypeMap.get(type) ?? [])],
    find: (ref: string) => byLogicalId.get(ref) ?? byPhysicalId.get(ref) ?? byAttribute.get(ref),
  });
}

// ---------------------------------------------------------------- parameters

function parameterValues(
  template: Template,
  overrides: Readonly<Record<string, string>>,
): { values: Record<string, unknown>; missing: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const missing = new Map<string, string>();
  for (const [name, declaration] of Object.entries(template.Parameters ?? {})) {
    const type = declaration.Type ?? 'String';
    let value: unknown = overrides[name];
    if (value === undefined && type.startsWith('AWS::SSM::Parameter::Value<')) {
      // The local cloud has no Parameter Store. The CDK bootstrap version only feeds the
      // template's Rules (never evaluated here); any recent version satisfies them.
      if (typeof declaration.Default === 'string' && /^\/cdk-bootstrap\/[^/]+\/version$/.test(declaration.Default)) value = '30';
      else {
        missing.set(
          name,
          `parameter '${name}' reads SSM parameter '${String(declaration.Default)}'; the local cloud has no Parameter Store: pass a value for '${name}' in the parameters option`,
        );
        continue;
      }
    }
    if (value === undefined) value = declaration.Default ?? legacyAssetParameter(name);
    if (value === undefined) {
      missing.set(name, `parameter '${name}' has no Default: pass a value for it in the parameters option`);
      continue;
    }
    values[name] = type.startsWith('List<') || type === 'CommaDelimitedList' ? String(value).split(',') : String(value);
  }
  return { values, missing };
}

/** Asset parameters of the legacy synthesizer (`AssetParameters<hash>S3Bucket<h>`...). */
function legacyAssetParameter(name: string): string | undefined {
  const m = /^AssetParameters([0-9a-f]{64})(S3Bucket|S3VersionKey|ArtifactHash)/.exec(name);
  if (!m) return undefined;
  if (m[2] === 'S3Bucket') return 'local-cloud-assets';
  if (m[2] === 'S3VersionKey') return `asset.${m[1]}||asset.${m[1]}.zip`;
  return m[1];
}

// ---------------------------------------------------------------- identities

interface NamingContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly edgeUrl: string;
  /** A property resolved (intrinsics included), or undefined when absent. */
  prop(name: string): unknown;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function hashId(parts: string[], length: number, alphabet: string): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i % digest.length] % alphabet.length];
  return out;
}

function uuid(parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `<StackName>-<LogicalId>`, shortened with a stable hash to fit `max`. */
function defaultName(n: NamingContext, logicalId: string, max: number, suffix = ''): string {
  const full = `${n.stackName}-${logicalId}`;
  const room = max - suffix.length;
  if (full.length <= room) return full + suffix;
  return `${full.slice(0, room - 9)}-${hashId([full], 8, ALNUM)}${suffix}`;
}

function named(n: NamingContext, prop: string, logicalId: string, max: number, suffix = ''): string {
  const given = n.prop(prop);
  return given === undefined ? defaultName(n, logicalId, max, suffix) : String(given);
}

function lastSegment(nameOrArn: unknown, separator: string): string {
  const s = String(nameOrArn);
  const at = s.lastIndexOf(separator);
  return at >= 0 ? s.slice(at + separator.length) : s;
}

/** Same label for every table: stream ARNs stay stable across restarts. */
const STREAM_LABEL = '2024-01-01T00:00:00.000';

function identify(logicalId: string, raw: RawResource, n: NamingContext): Identity {
  const { region, accountId } = n;
  const arn = (service: string, resource: string, r = region) => `arn:aws:${service}:${r}:${accountId}:${resource}`;
  const known = (physicalId: string, attributes: Record<string, string> = {}): Identity => ({ physicalId, attributes, modelled: true });
  const shortId = (len: number, salt = '') => hashId([n.stackName, logicalId, salt], len, ALNUM);

  switch (raw.Type) {
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const name = named(n, 'TableName', logicalId, 255);
      const tableArn = arn('dynamodb', `table/${name}`);
      const attributes: Record<string, string> = { Arn: tableArn };
      const stream = n.prop('StreamSpecification') as { StreamViewType?: string } | undefined;
      if (stream?.StreamViewType) attributes.StreamArn = `${tableArn}/stream/${STREAM_LABEL}`;
      if (raw.Type === 'AWS::DynamoDB::GlobalTable') attributes.TableId = uuid([n.stackName, logicalId]);
      return known(name, attributes);
    }
    case 'AWS::Lambda::Function': {
      const name = named(n, 'FunctionName', logicalId, 64);
      return known(name, { Arn: arn('lambda', `function:${name}`) });
    }
    case 'AWS::Lambda::Version': {
      const fn = lastSegment(n.prop('FunctionName'), ':function:').split(':')[0];
      const version = '1';
      return known(arn('lambda', `function:${fn}:${version}`), { Version: version, FunctionArn: arn('lambda', `function:${fn}`) });
    }
    case 'AWS::Lambda::Alias': {
      const fn = lastSegment(n.prop('FunctionName'), ':function:').split(':')[0];
      const aliasArn = arn('lambda', `function:${fn}:${String(n.prop('Name'))}`);
      return known(aliasArn, { AliasArn: aliasArn });
    }
    case 'AWS::Lambda::EventSourceMapping': {
      const id = uuid([n.stackName, logicalId]);
      return known(id, { Id: id, EventSourceMappingArn: arn('lambda', `event-source-mapping:${id}`) });
    }
    case 'AWS::SQS::Queue': {
      const fifo = n.prop('FifoQueue') === true || n.prop('FifoQueue') === 'true';
      const name = named(n, 'QueueName', logicalId, 80, fifo ? '.fifo' : '');
      const url = `${n.edgeUrl}/${accountId}/${name}`;
      return known(url, { Arn: arn('sqs', name), QueueName: name, QueueUrl: url });
    }
    case 'AWS::S3::Bucket': {
      const given = n.prop('BucketName');
      const name =
        given === undefined
          ? defaultName(n, logicalId, 63)
              .toLowerCase()
              .replace(/[^a-z0-9.-]/g, '-')
              .replace(/-+$/, '')
          : String(given);
      return known(name, {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
      });
    }
    case 'AWS::Kinesis::Stream': {
      const name = named(n, 'Name', logicalId, 128);
      return known(name, { Arn: arn('kinesis', `stream/${name}`) });
    }
    case 'AWS::Events::EventBus': {
      const name = named(n, 'Name', logicalId, 256);
      return known(name, { Arn: arn('events', `event-bus/${name}`), Name: name });
    }
    case 'AWS::Events::Rule': {
      const name = named(n, 'Name', logicalId, 64);
      const busProp = n.prop('EventBusName');
      const bus = busProp === undefined ? 'default' : lastSegment(busProp, 'event-bus/');
      return bus === 'default'
        ? known(name, { Arn: arn('events', `rule/${name}`) })
        : known(`${bus}|${name}`, { Arn: arn('events', `rule/${bus}/${name}`) });
    }
    case 'AWS::Events::Archive': {
      const name = named(n, 'ArchiveName', logicalId, 48);
      return known(name, { Arn: arn('events', `archive/${name}`), ArchiveName: name });
    }
    case 'AWS::ApiGateway::RestApi':
      return known(shortId(10), { RootResourceId: shortId(10, 'root'), RestApiId: shortId(10) });
    case 'AWS::ApiGateway::Resource':
      return known(shortId(6), { ResourceId: shortId(6) });
    case 'AWS::ApiGateway::Deployment':
      return known(shortId(6), { DeploymentId: shortId(6) });
    case 'AWS::ApiGateway::Stage':
      return known(String(n.prop('StageName') ?? shortId(6)));
    case 'AWS::ApiGateway::ApiKey':
      return known(shortId(10), { APIKeyId: shortId(10) });
    case 'AWS::ApiGateway::UsagePlan':
      return known(shortId(6), { Id: shortId(6) });
    case 'AWS::ApiGateway::Authorizer':
      return known(shortId(6), { AuthorizerId: shortId(6) });
    case 'AWS::ApiGateway::RequestValidator':
      return known(shortId(6), { RequestValidatorId: shortId(6) });
    case 'AWS::ApiGateway::Method':
    case 'AWS::ApiGateway::Account':
    case 'AWS::ApiGateway::UsagePlanKey':
    case 'AWS::ApiGateway::Model':
      return known(raw.Type === 'AWS::ApiGateway::Model' && n.prop('Name') !== undefined ? String(n.prop('Name')) : shortId(10));
    case 'AWS::IAM::Role': {
      const name = named(n, 'RoleName', logicalId, 64);
      const rolePath = String(n.prop('Path') ?? '/');
      return known(name, { Arn: `arn:aws:iam::${accountId}:role${rolePath}${name}`, RoleId: `AROA${hashId([n.stackName, logicalId], 17, UPPER_ALNUM)}` });
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = named(n, 'ManagedPolicyName', logicalId, 128);
      const policyArn = `arn:aws:iam::${accountId}:policy${String(n.prop('Path') ?? '/')}${name}`;
      return known(policyArn, { PolicyArn: policyArn });
    }
    case 'AWS::IAM::Policy':
      return known(`${n.stackName.slice(0, 20)}-${shortId(12)}`, { Id: shortId(12) });
    case 'AWS::Logs::LogGroup': {
      const name = named(n, 'LogGroupName', logicalId, 512);
      return known(name, { Arn: arn('logs', `log-group:${name}:*`) });
    }
    case 'AWS::SNS::Topic': {
      const fifo = n.prop('FifoTopic') === true || n.prop('FifoTopic') === 'true';
      const name = named(n, 'TopicName', logicalId, 256, fifo ? '.fifo' : '');
      const topicArn = arn('sns', name);
      return known(topicArn, { TopicArn: topicArn, TopicName: name });
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = named(n, 'AlarmName', logicalId, 255);
      return known(name, { Arn: arn('cloudwatch', `alarm:${name}`) });
    }
    case 'AWS::CloudWatch::Dashboard':
      return known(named(n, 'DashboardName', logicalId, 255));
    case 'AWS::SSM::Parameter': {
      const name = named(n, 'Name', logicalId, 1011);
      return known(name, { Type: String(n.prop('Type') ?? 'String'), Value: String(n.prop('Value') ?? '') });
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = named(n, 'StateMachineName', logicalId, 80);
      const smArn = arn('states', `stateMachine:${name}`);
      return known(smArn, { Arn: smArn, Name: name });
    }
    case 'AWS::KMS::Key': {
      const id = uuid([n.stackName, logicalId]);
      return known(id, { Arn: arn('kms', `key/${id}`), KeyId: id });
    }
    case 'AWS::SecretsManager::Secret': {
      const name = named(n, 'Name', logicalId, 256);
      const secretArn = arn('secretsmanager', `secret:${name}-${shortId(6)}`);
      return known(secretArn, { Id: secretArn });
    }
    default: {
      // Not modelled: a stable id, an ARN of the usual shape, and a stable fake for any
      // other attribute, so that templates using resources the local cloud does not
      // emulate still load (cloud.ts lists them as not emulated).
      const [, service = 'unknown', kind = 'resource'] = raw.Type.split('::');
      const id = `${logicalId}-${shortId(8)}`;
      return {
        physicalId: id,
        attributes: { Arn: arn(service.toLowerCase(), `${kind.toLowerCase()}/${id}`) },
        modelled: false,
      };
    }
  }
}
