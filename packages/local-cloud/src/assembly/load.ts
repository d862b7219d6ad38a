/**
 * Reads a cloud assembly (`cdk.out`) and "deploys" it on paper: every resource
 * gets the physical name, ARN and attributes it will have on the local cloud,
 * then properties and outputs are resolved against those names. The other
 * parts of the local cloud only ever see the resolved `LocalStack`.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack, type StackResource } from '../types';
import { localizeCognitoDomains } from '../cognito/identity';
import { IntrinsicError, evaluateCondition, fakeStackId, resolveValue, type ResolveContext } from './intrinsics';
import { ALNUM, hashId, identify, type Identity, type RawResource } from './naming';

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
  refuseUndeclaredParameters(artifacts, options.parameters ?? {});
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

  // Pool domains live on the edge locally: what the stack builds from one (a token URL) is rewritten to point there.
  const domains = Object.keys(rawResources)
    .filter((id) => rawResources[id].Type === 'AWS::Cognito::UserPoolDomain')
    .map((id) => identityOf(id)?.physicalId)
    .filter((d): d is string => d !== undefined);
  const localize = <T>(value: T): T =>
    domains.length === 0 ? value : localizeStrings(value, (s) => localizeCognitoDomains(s, edgeUrl, domains));

  const resources: StackResource[] = [];
  for (const [logicalId, raw] of Object.entries(rawResources)) {
    const identity = identityOf(logicalId);
    if (!identity) continue;
    const properties = localize(
      (resolveValue(raw.Properties ?? {}, context, `Resources.${logicalId}.Properties`) ?? {}) as Record<string, any>,
    );
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
    outputs[name] = localize(Array.isArray(value) ? value.join(',') : String(value));
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

/** CloudFormation refuses a parameter value that the template does not declare; so does the local cloud. */
function refuseUndeclaredParameters(artifacts: readonly StackArtifact[], given: Readonly<Record<string, string>>): void {
  const names = Object.keys(given);
  if (names.length === 0) return;
  const declared = new Set<string>();
  for (const artifact of artifacts) {
    const template = JSON.parse(readFileSync(artifact.templatePath, 'utf8')) as Template;
    for (const name of Object.keys(template.Parameters ?? {})) declared.add(name);
  }
  const unknown = names.filter((name) => !declared.has(name));
  if (unknown.length > 0) {
    const known = [...declared].filter((name) => name !== 'BootstrapVersion');
    throw new Error(
      `Parameters: [${unknown.join(', ')}] do not exist in the template (--parameters; the assembly declares: ${known.join(', ') || 'none'})`,
    );
  }
}

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
          `parameter '${name}' reads SSM parameter '${String(declaration.Default)}'; the local cloud has no Parameter Store: pass a value with --parameters ${name}=<value> (the \`parameters\` option of startLocalCloud)`,
        );
        continue;
      }
    }
    if (value === undefined) value = declaration.Default ?? legacyAssetParameter(name);
    if (value === undefined) {
      missing.set(
        name,
        `parameter '${name}' has no Default: pass a value with --parameters ${name}=<value> (the \`parameters\` option of startLocalCloud)`,
      );
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

/** `value` with `rewrite` applied to every string inside it (deeply). */
function localizeStrings<T>(value: T, rewrite: (s: string) => string): T {
  if (typeof value === 'string') return rewrite(value) as T;
  if (Array.isArray(value)) return value.map((v) => localizeStrings(v, rewrite)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localizeStrings(v, rewrite)])) as T;
  }
  return value;
}
