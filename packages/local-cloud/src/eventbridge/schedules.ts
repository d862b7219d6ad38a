/**
 * The `/_local/schedules` control endpoint of the edge. Schedule rules do not
 * run on a timer locally (a daily report would never run while you watch, a
 * minutely one would run behind your back); this endpoint lists them and fires
 * one when asked, as `npm run local -- schedules` / `fire <rule>` do:
 *
 *   GET  /_local/schedules              { schedules: ScheduleView[] }
 *   GET  /_local/schedules/<rule>       { schedule: ScheduleView }
 *   POST /_local/schedules/<rule>/fire  FiredAnswer
 *
 * `<rule>` is the rule's short name (its logical id without CDK's hash, e.g.
 * `CostOptimizerSchedule`), its logical id, local name or ARN. An unknown rule
 * is a 404 whose `schedules` lists the names that would have worked.
 */
import type { ControlHandler, ControlResponse, LocalStack } from '../types';
import type { EventBridgeEvent, EventBridgeService, ScheduleRule, TargetAttempt } from './service';

/** A target of a schedule rule, with the stack resource its ARN names (when it is one of the stack's). */
export interface ScheduleTargetView {
  readonly id: string;
  readonly arn: string;
  /** Short name of the target resource (e.g. `CostOptimizerDailyReport`), when the ARN is the stack's. */
  readonly resource?: string;
}

/** A schedule rule as the endpoint describes it. */
export interface ScheduleView {
  /** What to type: the short name, or the logical id when two rules share a short name. */
  readonly name: string;
  readonly logicalId: string;
  /** The rule's local (physical) name. */
  readonly ruleName: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly state: string;
  readonly scheduleExpression: string;
  readonly description?: string;
  readonly targets: readonly ScheduleTargetView[];
}

/** `POST /_local/schedules/<rule>/fire`: the event sent, and what each target's first attempt came to. */
export interface FiredAnswer {
  readonly schedule: ScheduleView;
  readonly event: EventBridgeEvent;
  readonly targets: ReadonlyArray<TargetAttempt & { readonly resource?: string }>;
}

/** Any answer but a success: `schedules` (the names that exist) comes with a 404 for a rule. */
export interface ControlErrorAnswer {
  readonly message: string;
  readonly schedules?: readonly string[];
}

/** Serves `/_local/schedules` for `events`' schedule rules; register with `edge.useControl('schedules', ...)`. */
export function schedulesControl(events: EventBridgeService, stack: LocalStack): ControlHandler {
  return async ({ method, segments }) => {
    const views = scheduleViews(events, stack);
    const [ref, action, ...extra] = segments;
    if (ref === undefined) return method === 'GET' ? ok({ schedules: views }) : notAllowed('GET');
    if (extra.length > 0 || (action !== undefined && action !== 'fire')) {
      return json(404, {
        message: `no such path; use GET /_local/schedules, GET /_local/schedules/<rule> or POST /_local/schedules/<rule>/fire`,
      });
    }
    const view = findSchedule(views, ref);
    if (!view)
      return json(404, { message: unknownMessage(ref, views, stack), schedules: views.map((v) => v.name) } satisfies ControlErrorAnswer);
    if (action === undefined) return method === 'GET' ? ok({ schedule: view }) : notAllowed('GET');
    if (method !== 'POST') return notAllowed('POST');
    const fired = await events.fireScheduleAndReport(view.arn);
    const answer: FiredAnswer = {
      schedule: view,
      event: fired.event,
      targets: fired.targets.map((attempt) => ({ ...attempt, ...resourceOf(attempt.arn, stack) })),
    };
    return ok(answer);
  };
}

/** The schedule rules of `events`, each with the name to fire it by and its targets' resources. */
export function scheduleViews(events: EventBridgeService, stack: LocalStack): ScheduleView[] {
  const rules = events.scheduleRules();
  const shortNames = rules.map((rule) => shortName(rule.logicalId));
  return rules.map((rule: ScheduleRule, i) => ({
    name: shortNames.indexOf(shortNames[i]!) === shortNames.lastIndexOf(shortNames[i]!) ? shortNames[i]! : rule.logicalId,
    logicalId: rule.logicalId,
    ruleName: rule.name,
    arn: rule.arn,
    eventBusName: rule.eventBusName,
    state: rule.state,
    scheduleExpression: rule.scheduleExpression,
    ...(rule.description ? { description: rule.description } : {}),
    targets: rule.targets.map((target) => ({ ...target, ...resourceOf(target.arn, stack) })),
  }));
}

/**
 * The schedule `ref` names: exactly by name, short name, logical id, local name
 * or ARN; failing that, by a name or logical id in another case when only one fits.
 */
export function findSchedule(views: readonly ScheduleView[], ref: string): ScheduleView | undefined {
  const keys = (v: ScheduleView) => [v.name, shortName(v.logicalId), v.logicalId, v.ruleName, v.arn];
  const exact = views.filter((v) => keys(v).includes(ref));
  if (exact.length === 1) return exact[0];
  const lower = ref.toLowerCase();
  const loose = views.filter((v) => keys(v).some((key) => key.toLowerCase() === lower));
  return loose.length === 1 ? loose[0] : undefined;
}

/** A logical id without the 8-character hash CDK appends (`CostOptimizerScheduleBF953337` → `CostOptimizerSchedule`). */
function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
}

function resourceOf(arn: string, stack: LocalStack): { resource?: string } {
  const resource = stack.find(arn);
  return resource ? { resource: shortName(resource.logicalId) } : {};
}

/** Why `ref` is not a schedule rule: unknown, or a rule that matches event patterns instead. */
function unknownMessage(ref: string, views: readonly ScheduleView[], stack: LocalStack): string {
  const lower = ref.toLowerCase();
  const patternRule = stack
    .byType('AWS::Events::Rule')
    .filter((r) => r.properties.ScheduleExpression === undefined)
    .find((r) =>
      [r.logicalId, shortName(r.logicalId), r.physicalId, r.physicalId.split('|').pop()!, r.attributes.Arn ?? ''].some(
        (key) => key.toLowerCase() === lower,
      ),
    );
  const known =
    views.length === 0 ? 'the stack has none' : `schedule rules: ${views.map((v) => `${v.name} (${v.scheduleExpression})`).join(', ')}`;
  if (patternRule) return `${ref} is an event-pattern rule, not a schedule rule; ${known}`;
  const several = views.filter((v) => shortName(v.logicalId).toLowerCase() === lower).length > 1;
  return `${several ? `several schedule rules are called ${ref}; use the logical id` : `no schedule rule ${ref}`}; ${known}`;
}

function ok(body: object): ControlResponse {
  return { status: 200, body };
}

function json(status: number, body: ControlErrorAnswer): ControlResponse {
  return { status, body };
}

function notAllowed(method: string): ControlResponse {
  return { status: 405, headers: { allow: method }, body: { message: `use ${method}` } satisfies ControlErrorAnswer };
}
