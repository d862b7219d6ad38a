/**
 * Proof that a consumer processed something: a negative check ("nothing changed")
 * waits for the consumer's own log line first, so that it is never a guess at
 * timing. Works on the local cloud and on AWS alike (Lambda's ListFunctions,
 * CloudWatch Logs' FilterLogEvents).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { eventually } from './target';

const lambda = new LambdaClient({});
const logs = new CloudWatchLogsClient({});

/**
 * The log group of the stack's function whose description starts with `does`
 * (physical names are truncated, so a long logical id is not in them; the
 * description, lib/orders.ts, says what the function does).
 */
export async function logGroupOf(does: string): Promise<string> {
  const { Functions } = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
  const found = Functions?.find((f) => f.Description?.startsWith(does));
  if (!found?.FunctionName) throw new Error(`no function described as ${does}...`);
  return found.LoggingConfig?.LogGroup ?? `/aws/lambda/${found.FunctionName}`;
}

/**
 * Waits until the consumer described as `does` has logged a line holding `term`
 * (a correlation id, an event id) since `since` that `matches` (its JSON:
 * message, detailType, ...): the proof that it processed an event.
 */
export async function consumerLogged(does: string, term: string, since: number, matches: (line: Record<string, unknown>) => boolean) {
  const group = await logGroupOf(does);
  return eventually(
    `${does} to log ${matches.toString()} for ${term}`,
    async () => {
      const { events = [] } = await logs.send(
        new FilterLogEventsCommand({ logGroupIdentifier: group, startTime: since, filterPattern: `"${term}"`, interleaved: true }),
      );
      // Powertools writes one JSON object per line (after the runtime's prefix, if any).
      const lines = events.flatMap((e) => {
        try {
          const message = e.message ?? '';
          return [JSON.parse(message.slice(message.indexOf('{'))) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      return lines.find(matches);
    },
    30_000,
  );
}
