/**
 * What each resource is called on the local cloud: the physical name, ARN and
 * attributes AWS would give it (CloudFormation's generated names, hashed the
 * same way for every run of the same stack), pointing at the local endpoints.
 */
import { createHash } from 'node:crypto';
import {
  userPoolClientIdentity,
  userPoolDomainIdentity,
  userPoolGroupIdentity,
  userPoolIdentity,
  userPoolResourceServerIdentity,
  type CognitoIdentity,
  type CognitoNaming,
} from '../cognito/identity';

/** A resource of the template, as written. */
export interface RawResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, any>;
  Condition?: string;
}

/** A resource's local physical id and attributes. */
export interface Identity {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
  /** Types modelled here answer only their known attributes; others get a fake for any. */
  readonly modelled: boolean;
}

export interface NamingContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly edgeUrl: string;
  /** A property resolved (intrinsics included), or undefined when absent. */
  prop(name: string): unknown;
}

export const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function hashId(parts: string[], length: number, alphabet: string): string {
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

export function identify(logicalId: string, raw: RawResource, n: NamingContext): Identity {
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
    case 'AWS::Cognito::UserPool':
    case 'AWS::Cognito::UserPoolClient':
    case 'AWS::Cognito::UserPoolGroup':
    case 'AWS::Cognito::UserPoolResourceServer':
    case 'AWS::Cognito::UserPoolDomain': {
      const i = cognitoIdentity(raw.Type, { region, accountId, stackName: n.stackName, logicalId, edgeUrl: n.edgeUrl }, n);
      return known(i.physicalId, i.attributes);
    }
    case 'AWS::IAM::Role': {
      const name = named(n, 'RoleName', logicalId, 64);
      const rolePath = String(n.prop('Path') ?? '/');
      return known(name, {
        Arn: `arn:aws:iam::${accountId}:role${rolePath}${name}`,
        RoleId: `AROA${hashId([n.stackName, logicalId], 17, UPPER_ALNUM)}`,
      });
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

/**
 * Cognito's ids (cognito/identity.ts). They read only names, never a property
 * that could reference a trigger function, so naming cannot cycle.
 */
function cognitoIdentity(type: string, naming: CognitoNaming, n: NamingContext): CognitoIdentity {
  const name = (prop: string) => {
    const value = n.prop(prop);
    return value === undefined ? undefined : String(value);
  };
  switch (type) {
    case 'AWS::Cognito::UserPool':
      return userPoolIdentity(naming);
    case 'AWS::Cognito::UserPoolClient':
      return userPoolClientIdentity(naming, name('ClientName'));
    case 'AWS::Cognito::UserPoolGroup':
      return userPoolGroupIdentity(naming, name('GroupName'));
    case 'AWS::Cognito::UserPoolResourceServer':
      return userPoolResourceServerIdentity(naming, name('Identifier'));
    default:
      return userPoolDomainIdentity(naming, name('Domain'));
  }
}
