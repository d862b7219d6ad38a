/**
 * No hot item: 200 concurrent sign-ups, each counted exactly once in its day's
 * statistics, while DynamoDB cancels transactions that race on one item
 * (TransactionConflict, injected at the edge: the local cloud itself runs
 * transactions one at a time). The whole path: the post-confirmation trigger
 * stores each user, the outbox publishes `UserCreated` from the table's stream,
 * and all 200 events (and 40 redeliveries) reach the statistics consumer with
 * as many in flight as prod's reserved concurrency lets Lambda run (50). On one
 * `STATS#<day>` item most of them exhaust their attempts; sharded, every one
 * lands once.
 */
import { randomUUID } from 'node:crypto';
import { lambdaContext } from '../../support/api-event';
import { busEvent, handlerEnvironment, type LocalAws, outboxRelay, startLocalAws } from '../../support/aws';
import { transactionConflicts } from '../../support/transaction-conflicts';
import { confirmedSignUp } from './sign-up';
import { stageConfig } from '../../../lib/config';

const USERS = `users-${randomUUID()}`;
const SIGN_UPS = 200;
/** Deliveries in flight at once: the consumer's reserved concurrency in prod. */
const IN_FLIGHT = stageConfig('prod').fanOutConcurrency;
const contention = transactionConflicts();

let cloud: LocalAws;
let registerProfile: typeof import('../../../lambda/users/register-profile').handler;
let statistics: typeof import('../../../lambda/users/update-statistics').handler;
let usersCreatedOn: (day: string) => Promise<number>;
let outbox: ReturnType<typeof outboxRelay>;

beforeAll(async () => {
  cloud = await startLocalAws({ dynamodb: contention.interceptor });
  await cloud.createTable(USERS, { stream: 'NEW_IMAGE' });
  handlerEnvironment(cloud.endpoint, 'users', { USERS_TABLE: USERS });
  ({ handler: registerProfile } = await import('../../../lambda/users/register-profile'));
  ({ handler: statistics } = await import('../../../lambda/users/update-statistics'));
  const { DynamoUserStore } = await import('../../../lambda/users/user-store');
  const { dynamo } = await import('../../../lambda/shared/dynamo');
  const store = new DynamoUserStore(dynamo, USERS);
  usersCreatedOn = (day) => store.usersCreatedOn(day);
  outbox = outboxRelay(cloud, USERS, (await import('../../../lambda/users/publish-user-events')).handler, lambdaContext);
});
afterAll(() => cloud?.stop());

/** A sign-up as Cognito confirms it: the post-confirmation trigger with the user's attributes. */
async function signUp(n: number): Promise<void> {
  const sub = randomUUID();
  await registerProfile(confirmedSignUp(sub, { email: `burst-${n}-${sub}@example.com`, name: 'Ada', phone: '+14155550100' }), {
    ...lambdaContext,
    awsRequestId: randomUUID(),
  });
}

it('counts 200 concurrent sign-ups exactly, redeliveries included, although transactions on one item conflict', async () => {
  const signUps = await Promise.allSettled(Array.from({ length: SIGN_UPS }, (_, n) => signUp(n)));
  expect(signUps.filter((o) => o.status === 'rejected')).toEqual([]);
  expect(await outbox.relay()).toEqual([]);
  const created = cloud.events('UserCreated');
  expect(new Set(created.map((e) => e.detail.metadata.eventId)).size).toBe(SIGN_UPS);

  const deliveries = [...created, ...created.slice(0, 40)].map((e) =>
    busEvent('UserCreated', e.source, e.detail.data, e.detail.metadata.eventId),
  );
  const outcomes: PromiseSettledResult<void>[] = [];
  const queue = [...deliveries];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let event = queue.shift(); event; event = queue.shift()) {
        outcomes.push(...(await Promise.allSettled([statistics(event, lambdaContext)])));
      }
    }),
  );
  expect(outcomes).toHaveLength(deliveries.length);
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]); // none left for a retry or the DLQ

  const days = [...new Set(created.map((e) => String(e.detail.data.createdAt).slice(0, 10)))];
  const counts = await Promise.all(days.map((day) => usersCreatedOn(day)));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(SIGN_UPS);
  expect(contention.conflicts()).toBeGreaterThan(0); // the burst did contend
}, 240_000);
