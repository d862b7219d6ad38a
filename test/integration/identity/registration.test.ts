/**
 * Registration through the identity: the Cognito triggers with the events
 * Cognito sends, the real SDK against dynalite behind the local cloud's
 * DynamoDB layer (transactions, the table's stream), and the outbox publisher
 * fed with the stream records the trigger's write produced.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { PostConfirmationTriggerEvent, PreSignUpTriggerEvent } from 'aws-lambda';
import { lambdaContext } from '../../support/api-event';
import { dynamoDbStreamEvent, handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';

let cloud: LocalAws;
let registerProfile: typeof import('../../../lambda/users/register-profile').handler;
let validateSignUp: typeof import('../../../lambda/users/validate-sign-up').handler;
let publisher: typeof import('../../../lambda/users/publish-user-events').handler;
const USERS = `users-${randomUUID()}`;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(USERS, { stream: 'NEW_IMAGE' });
  handlerEnvironment(cloud.endpoint, 'users', { USERS_TABLE: USERS });
  ({ handler: registerProfile } = await import('../../../lambda/users/register-profile'));
  ({ handler: validateSignUp } = await import('../../../lambda/users/validate-sign-up'));
  ({ handler: publisher } = await import('../../../lambda/users/publish-user-events'));
});
afterAll(() => cloud.stop());

const common = {
  version: '1',
  region: 'us-east-1',
  userPoolId: 'us-east-1_pool',
  callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'storefront-client' },
};

function confirmation(attributes: Record<string, string>, triggerSource = 'PostConfirmation_ConfirmSignUp'): PostConfirmationTriggerEvent {
  return {
    ...common,
    triggerSource: triggerSource as PostConfirmationTriggerEvent['triggerSource'],
    userName: attributes.sub!,
    request: { userAttributes: { 'cognito:user_status': 'CONFIRMED', email_verified: 'true', ...attributes } },
    response: {},
  };
}

const identity = () => ({
  sub: randomUUID(),
  email: `Ada-${randomUUID()}@Example.com`,
  name: 'Ada Lovelace',
  phone_number: '+14155550100',
});

let streamPosition: string | undefined;
async function newStreamRecords() {
  const records = await cloud.streamRecords(USERS, streamPosition);
  if (records.length > 0) streamPosition = records.at(-1)!.dynamodb!.SequenceNumber;
  return records;
}
const item = async (pk: string) => (await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk } }))).Item;

it('stores the profile under the sub, reserves the email, and UserCreated goes out through the outbox', async () => {
  await newStreamRecords();
  const attributes = identity();
  const event = confirmation(attributes);
  expect(await registerProfile(event, lambdaContext)).toBe(event); // Cognito needs the event back
  const email = attributes.email.toLowerCase();
  expect(await item(`USER#${attributes.sub}`)).toMatchObject({
    type: 'user',
    userId: attributes.sub,
    name: 'Ada Lovelace',
    email,
    phone: '+14155550100',
    correlationId: lambdaContext.awsRequestId,
  });
  expect(await item(`EMAIL#${email}`)).toMatchObject({ type: 'email', userId: attributes.sub });

  const records = await newStreamRecords();
  expect(await publisher(dynamoDbStreamEvent(records), lambdaContext)).toEqual({ batchItemFailures: [] });
  const published = cloud.events('UserCreated', { userId: attributes.sub });
  expect(published).toHaveLength(1);
  expect(published[0]!.detail.metadata.correlationId).toBe(lambdaContext.awsRequestId);
});

it('a retried trigger (or a confirmed password reset) neither fails nor writes again', async () => {
  const attributes = identity();
  await registerProfile(confirmation(attributes), lambdaContext);
  const first = await item(`USER#${attributes.sub}`);
  await newStreamRecords();

  await registerProfile(confirmation(attributes), { ...lambdaContext, awsRequestId: 'retry' });
  await registerProfile(confirmation({ ...attributes, name: 'Changed' }, 'PostConfirmation_ConfirmForgotPassword'), lambdaContext);
  // Concurrent deliveries too.
  await Promise.all([1, 2, 3].map(() => registerProfile(confirmation(attributes), lambdaContext)));

  expect(await item(`USER#${attributes.sub}`)).toEqual(first);
  expect(await newStreamRecords()).toEqual([]); // nothing written, so nothing for the outbox
});

it('stores the profile even when an imported user already holds the email, leaving that reservation alone', async () => {
  const attributes = identity();
  const email = attributes.email.toLowerCase();
  const imported = randomUUID();
  await cloud.dynamo.send(new PutCommand({ TableName: USERS, Item: { pk: `EMAIL#${email}`, type: 'email', userId: imported } }));

  await registerProfile(confirmation(attributes), lambdaContext);
  await registerProfile(confirmation(attributes), lambdaContext); // and once more: still one profile, no failure
  expect(await item(`USER#${attributes.sub}`)).toMatchObject({ userId: attributes.sub, email });
  expect(await item(`EMAIL#${email}`)).toMatchObject({ userId: imported });
});

it('fails the confirmation for attributes the profile cannot keep, and writes nothing', async () => {
  const attributes = { ...identity(), phone_number: '0155 555' };
  await expect(registerProfile(confirmation(attributes), lambdaContext)).rejects.toThrow(/phone/);
  expect(await item(`USER#${attributes.sub}`)).toBeUndefined();
  const { Items = [] } = await cloud.dynamo.send(new ScanCommand({ TableName: USERS }));
  expect(Items.some((i) => i.userId === attributes.sub)).toBe(false);
});

describe('pre sign-up', () => {
  const signUp = (attributes: Record<string, string>): PreSignUpTriggerEvent => ({
    ...common,
    triggerSource: 'PreSignUp_SignUp',
    userName: 'ada@example.com',
    request: { userAttributes: attributes },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  });

  it('lets valid attributes through, confirming nothing', async () => {
    const { sub: _sub, ...attributes } = identity();
    const event = signUp(attributes);
    expect(await validateSignUp(event, lambdaContext)).toEqual(
      expect.objectContaining({ response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false } }),
    );
  });

  it('refuses the sign-up with every problem, named by attribute', async () => {
    await expect(
      validateSignUp(signUp({ email: 'ada@example.com', name: 'x'.repeat(101), phone_number: '555' }), lambdaContext),
    ).rejects.toThrow('name must be at most 100 characters; phone_number must be in E.164 format, e.g. +14155550100');
  });
});
