/**
 * The order saga end to end on the local cloud (in-process, synth excluded):
 * POST /orders until the order is CONFIRMED (PENDING -> RESERVED -> PAID -> CONFIRMED
 * through the bus, inventory, payments and notifications) for the cold first order,
 * then for 100 warm orders with 10 in flight; and POST /orders/batch of 200 orders:
 * accepted orders/s of the request, then how fast the saga drains them to CONFIRMED.
 *
 * Saga times come from the order's history: CONFIRMED's `at` minus the moment the
 * POST was sent (the functions run in worker processes on this machine, so the clock
 * is the same). Polling only tells us when to read the history; it adds no error.
 *
 *   npx cdk synth --quiet && npx tsx bench/saga.ts
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../lambda/shared/chunks';
import { startLocalCloud } from 'local-cloud';
import { benchCaller } from './identity';
import { median, percentile, printTable, progress, runBench } from './support';

const STATE_DIR = 'bench/out/saga-state';
const ORDERS = 100;
const IN_FLIGHT = 10;
/** Enough to start a worker for each concurrent call of every saga function. */
const WARM_UP_ORDERS = 20;
const BATCH_SIZE = 200;
const BATCH_RUNS = 5;
/** 50 orders at once start every saga function's 10 workers; a whole batch would only add a 20 s drain. */
const WARM_UP_BATCH = 50;
const POLL_MS = 20;
/** One unit per order, far below the payment sandbox's limit (10 000.00). */
const PRICE_CENTS = 500;

interface Order {
  readonly orderId: string;
  readonly status: string;
  readonly history: readonly { readonly status: string; readonly at: string; readonly reason?: string }[];
}

interface BatchAnswer {
  readonly summary: { readonly created: number; readonly rejected: number };
  readonly results: readonly { readonly status: string; readonly orderId?: string; readonly message?: string }[];
}

/** JSON calls to the local API; throws unless the answer has the `expected` status. */
function client(apiUrl: string, idToken: string) {
  return async <T>(method: string, path: string, expected: number, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: idToken, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
}
type Api = ReturnType<typeof client>;

const idempotencyKey = () => ({ 'Idempotency-Key': `bench-${randomUUID()}` });

/** Polls the order until it reaches a final status (CONFIRMED or FAILED). */
async function settled(api: Api, orderId: string): Promise<Order> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const order = await api<Order>('GET', `/orders/${orderId}`, 200);
    if (order.status === 'CONFIRMED' || order.status === 'FAILED') return order;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${order.status} after 30 s`);
    await sleep(POLL_MS);
  }
}

/** When the order was CONFIRMED (epoch ms, from its history); otherwise records why in `failures`. */
function confirmedAt(order: Order, failures: string[]): number | undefined {
  const confirmed = order.history.find((change) => change.status === 'CONFIRMED');
  if (confirmed) return Date.parse(confirmed.at);
  failures.push(`order ${order.orderId} ${order.status}: ${order.history.at(-1)?.reason ?? 'no reason recorded'}`);
  return undefined;
}

/** Places one order and waits for its saga to end. */
async function placeOne(api: Api, body: unknown, failures: string[]) {
  const sentAt = Date.now();
  const { orderId } = await api<Order>('POST', '/orders', 201, body, idempotencyKey());
  return { sentAt, confirmedAt: confirmedAt(await settled(api, orderId), failures) };
}

/** One POST /orders/batch of `size` orders; once the local cloud is idle, reads every accepted order's CONFIRMED time. */
async function placeBatch(api: Api, idle: () => Promise<void>, order: unknown, size: number, failures: string[]) {
  const sentAt = Date.now();
  const started = performance.now();
  const { summary, results } = await api<BatchAnswer>('POST', '/orders/batch', 200, { orders: Array(size).fill(order) }, idempotencyKey());
  const requestMs = performance.now() - started;
  for (const result of results) if (result.status !== 'created') failures.push(`batch order rejected: ${result.message}`);
  await idle();
  const ids = results.flatMap((result) => (result.orderId ? [result.orderId] : []));
  const orders = await mapLimit(ids, IN_FLIGHT, (id) => api<Order>('GET', `/orders/${id}`, 200));
  const confirmed = orders.map((o) => confirmedAt(o, failures)).filter((at) => at !== undefined);
  const drainSeconds = (Math.max(...confirmed) - sentAt) / 1000;
  return {
    acceptedPerSecond: summary.created / (requestMs / 1000),
    requestMs,
    drainSeconds,
    drainPerSecond: confirmed.length / drainSeconds,
  };
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  rmSync(STATE_DIR, { recursive: true, force: true });
  const cloud = await startLocalCloud({ apiPort: 0, edgePort: 0, stateDir: STATE_DIR, log: () => undefined });
  try {
    const [admin, customer] = await Promise.all([
      benchCaller(cloud.edgeUrl, cloud.outputs, { admin: true }),
      benchCaller(cloud.edgeUrl, cloud.outputs),
    ]);
    const sku = `BENCH-${randomUUID().slice(0, 8)}`;
    await client(cloud.apiUrl, admin.idToken)('PUT', `/inventory/${sku}`, 200, { available: 1_000_000, price: PRICE_CENTS });
    // Orders as a signed-in customer (the customer is the token's user); the sandbox's default card pays.
    const api = client(cloud.apiUrl, customer.idToken);
    const order = { lines: [{ sku, quantity: 1 }] };
    const failures: string[] = [];
    const sagaMs = ({ sentAt, confirmedAt }: { sentAt: number; confirmedAt?: number }) =>
      confirmedAt === undefined ? [] : [confirmedAt - sentAt];

    progress('cold first order');
    const cold = sagaMs(await placeOne(api, order, failures));
    progress(`${WARM_UP_ORDERS} warm-up orders, ${IN_FLIGHT} in flight`);
    await mapLimit(Array.from({ length: WARM_UP_ORDERS }), IN_FLIGHT, () => placeOne(api, order, failures));
    progress(`${ORDERS} orders, ${IN_FLIGHT} in flight`);
    const sagas = await mapLimit(Array.from({ length: ORDERS }), IN_FLIGHT, () => placeOne(api, order, failures));
    const times = sagas.flatMap(sagaMs);
    const lastConfirmed = Math.max(...sagas.map((saga) => saga.confirmedAt ?? 0));
    const firstSent = Math.min(...sagas.map((saga) => saga.sentAt));

    progress(`batch warm-up (${WARM_UP_BATCH} orders), then ${BATCH_RUNS} batches of ${BATCH_SIZE}, each drained before the next`);
    await placeBatch(api, () => cloud.idle(), order, WARM_UP_BATCH, failures);
    const batches = [];
    for (let run = 1; run <= BATCH_RUNS; run++) {
      const batch = await placeBatch(api, () => cloud.idle(), order, BATCH_SIZE, failures);
      progress(`  run ${run}: ${batch.acceptedPerSecond.toFixed(0)} orders/s accepted, drained in ${batch.drainSeconds.toFixed(0)} s`);
      batches.push(batch);
    }
    const accepted = batches.map((batch) => batch.acceptedPerSecond);
    const drained = batches.map((batch) => batch.drainPerSecond);
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    printTable(
      ['measure (saga time = CONFIRMED timestamp in the order history − POST sent)', 'value'],
      [
        ['cold first order: POST /orders → CONFIRMED', cold.length ? ms(cold[0]!) : 'FAILED'],
        [`${ORDERS} warm orders, ${IN_FLIGHT} in flight: saga p50`, ms(percentile(times, 50))],
        [`${ORDERS} warm orders, ${IN_FLIGHT} in flight: saga p99`, ms(percentile(times, 99))],
        [`${ORDERS} warm orders, ${IN_FLIGHT} in flight: saga max`, ms(Math.max(...times))],
        [
          `${ORDERS} warm orders, ${IN_FLIGHT} in flight: confirmed orders/s`,
          (times.length / ((lastConfirmed - firstSent) / 1000)).toFixed(1),
        ],
        [`batch of ${BATCH_SIZE}: accepted orders/s, median of ${BATCH_RUNS}`, median(accepted).toFixed(0)],
        [`batch of ${BATCH_SIZE}: accepted orders/s, best of ${BATCH_RUNS}`, Math.max(...accepted).toFixed(0)],
        [
          `batch of ${BATCH_SIZE}: request latency p50`,
          ms(
            percentile(
              batches.map((batch) => batch.requestMs),
              50,
            ),
          ),
        ],
        [`batch of ${BATCH_SIZE}: saga drain to CONFIRMED, orders/s, median of ${BATCH_RUNS}`, median(drained).toFixed(1)],
        ['orders FAILED, rejected or never confirmed', failures.length],
      ],
    );
    if (failures.length > 0) throw new Error(`${failures.length} orders did not confirm:\n${failures.slice(0, 10).join('\n')}`);
  } finally {
    await cloud.stop();
  }
}

runBench(main);
