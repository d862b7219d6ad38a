/**
 * The EventBridge API as AWS JSON 1.1 carries it (`AWSEvents.<Operation>`):
 * `PutEvents`, `TestEventPattern` and the read-only calls the CLI and tests use.
 */
import type {
  DescribeEventBusRequest,
  DescribeRuleRequest,
  ListEventBusesRequest,
  ListRulesRequest,
  ListTargetsByRuleRequest,
  PutEventsRequest,
  TestEventPatternRequest,
} from '@aws-sdk/client-eventbridge';
import type { OperationTable, Wire } from '../protocol/operations';
import { validationError } from './errors';
import { putEvents, testEventPattern, type EventSink } from './events';
import { describe, type RuleBook } from './rules';

export function eventBridgeOperations(rules: RuleBook, sink: EventSink): OperationTable {
  return {
    PutEvents: (input: Wire<PutEventsRequest>) => putEvents(input.Entries, sink),
    TestEventPattern: (input: Wire<TestEventPatternRequest>) => ({
      Result: testEventPattern(requiredString(input, 'EventPattern'), requiredString(input, 'Event')),
    }),
    ListRules: (input: Wire<ListRulesRequest>) => {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const found = rules.busRules(input.EventBusName).filter((r) => r.name.startsWith(prefix));
      return paginate(found.map(describe), input, 'Rules');
    },
    DescribeRule: (input: Wire<DescribeRuleRequest>) => {
      const rule = rules.findRule(requiredString(input, 'Name'), input.EventBusName);
      return { ...describe(rule), CreatedBy: sink.stack.accountId };
    },
    ListTargetsByRule: (input: Wire<ListTargetsByRuleRequest>) => {
      const rule = rules.findRule(requiredString(input, 'Rule'), input.EventBusName);
      return paginate(
        rule.targets.map((t) => t.raw),
        input,
        'Targets',
      );
    },
    ListEventBuses: (input: Wire<ListEventBusesRequest>) => {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const buses = rules
        .allBuses()
        .filter((b) => b.name.startsWith(prefix))
        .map((b) => ({ Name: b.name, Arn: b.arn }));
      return paginate(buses, input, 'EventBuses');
    },
    DescribeEventBus: (input: Wire<DescribeEventBusRequest>) => {
      const bus = rules.bus(input.Name);
      return { Name: bus.name, Arn: bus.arn };
    },
  };
}

/** `NextToken` is the index of the first item of the page, as an opaque string. */
function paginate(items: readonly object[], input: { Limit?: number; NextToken?: string }, key: string): object {
  const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : 100;
  const start = typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) || 0 : 0;
  const end = start + limit;
  return { [key]: items.slice(start, end), ...(end < items.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

function requiredString<T extends object>(input: T, name: keyof T & string): string {
  const value: unknown = (input as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') {
    throw validationError(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}
