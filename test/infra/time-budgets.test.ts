/**
 * Time budgets that nest, read from the synthesised template (no bundling): for
 * every function behind an API route, one SDK call's worst case (the clients'
 * timeouts and attempts, #contracts/time-budgets) < the function's timeout <
 * API Gateway's 29 s, and no integration waits longer than 29 s; the fan-out
 * consumers (bus rule targets writing to tables the API reads) have reserved
 * concurrency, so a burst of events cannot take the API functions' concurrency.
 */
import { clientConfig } from '../../lambda/shared/aws';
import { stageConfig } from '../../lib/config';
import { API_GATEWAY_TIMEOUT_MS, SDK_TIME_BUDGET, sdkCallWorstCaseMs } from '../../contracts/time-budgets';
import { resourcesOf, synthesisePlatform } from '../support/synth';

const { resources, ofType } = resourcesOf(synthesisePlatform('dev', { bundle: false }));

/** The function (logical id) each API method invokes through its Lambda proxy integration. */
function apiFunctions(): Map<string, string> {
  const targets = new Map<string, string>();
  for (const [methodId, method] of ofType('AWS::ApiGateway::Method')) {
    const uri = JSON.stringify(method.Properties.Integration?.Uri ?? '');
    const target = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1];
    if (target) targets.set(methodId, target);
  }
  return targets;
}

describe('time budgets', () => {
  it('gives the SDK clients the budget: one call ends well before an API function times out', async () => {
    expect(clientConfig.maxAttempts).toBe(SDK_TIME_BUDGET.maxAttempts);
    const handlerConfig = (clientConfig.requestHandler as unknown as { configProvider: Promise<Record<string, number>> }).configProvider;
    await expect(handlerConfig).resolves.toMatchObject({
      connectionTimeout: SDK_TIME_BUDGET.connectionTimeoutMs,
      requestTimeout: SDK_TIME_BUDGET.requestTimeoutMs,
    });
    // 2 attempts of (2 s + 10 s), and the wait of at most 100 ms between them.
    expect(sdkCallWorstCaseMs()).toBe(24_100);
  });

  it('nests every API function: SDK call < function timeout < API Gateway integration timeout (29 s)', () => {
    const functions = apiFunctions();
    expect(functions.size).toBeGreaterThan(10);
    for (const [methodId, functionId] of functions) {
      const timeoutMs = Number(resources[functionId]!.Properties.Timeout) * 1000;
      const integrationMs = Number(resources[methodId]!.Properties.Integration.TimeoutInMillis ?? API_GATEWAY_TIMEOUT_MS);
      expect({
        functionId,
        nests: sdkCallWorstCaseMs() < timeoutMs && timeoutMs < integrationMs && integrationMs <= API_GATEWAY_TIMEOUT_MS,
      }).toEqual({
        functionId,
        nests: true,
      });
    }
  });

  it.each([
    'UsersUpdateStatistics',
    'OrderSagaInventoryReserveStock',
    'OrderSagaInventorySettleReservation',
    'OrderSagaPaymentsChargePayment',
    'OrderSagaOrdersAdvanceStatus',
  ])('bounds the fan-out consumer %s by reserved concurrency', (prefix) => {
    const found = ofType('AWS::Lambda::Function').filter(([id]) => new RegExp(`^${prefix}[A-F0-9]{8}$`).test(id));
    expect(found).toHaveLength(1);
    expect(found[0]![1].Properties.ReservedConcurrentExecutions).toBe(stageConfig('dev').fanOutConcurrency);
  });

  it('reserves no concurrency for API functions (they take what the account has)', () => {
    for (const functionId of new Set(apiFunctions().values())) {
      expect({ functionId, reserved: resources[functionId]!.Properties.ReservedConcurrentExecutions }).toEqual({
        functionId,
        reserved: undefined,
      });
    }
  });
});
