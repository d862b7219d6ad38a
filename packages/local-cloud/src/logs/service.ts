/**
 * The local CloudWatch Logs: every function's output (and START, END, REPORT) filed in
 * its log group (`/aws/lambda/<name>` or its LoggingConfig's), a stream per worker named
 * as Lambda names them, served at the edge as `logs` (AWS JSON 1.1). The groups of the
 * template's functions and `AWS::Logs::LogGroup`s exist from the start.
 */
import { jsonProtocol } from '../protocol/json';
import type { FunctionLogLine, LocalFunction, RuntimeObserver } from '../lambda/runtime';
import type { EdgeHandler, LocalStack } from '../types';
import { logsOperations } from './operations';
import { LogStore } from './store';

export { LogStore } from './store';

export class LogsService {
  readonly store = new LogStore();
  readonly handler: EdgeHandler;
  /** Hand to `LambdaRuntime.observe`: files each line in its function's group and worker's stream. */
  readonly observer: RuntimeObserver;
  /** Listeners of each event as it is stored (the bench measures the delay to FilterLogEvents with it). */
  private readonly listeners: ((group: string, stream: string, message: string) => void)[] = [];

  constructor(options: { stack: LocalStack; functions: readonly LocalFunction[] }) {
    for (const fn of options.functions) this.store.ensureGroup(fn.logGroupName);
    for (const resource of options.stack.byType('AWS::Logs::LogGroup')) {
      const name = typeof resource.properties.LogGroupName === 'string' ? resource.properties.LogGroupName : resource.physicalId;
      const retention = resource.properties.RetentionInDays;
      this.store.ensureGroup(name, retention === undefined ? undefined : Number(retention));
    }
    this.handler = jsonProtocol({ version: '1.1', targetPrefix: 'Logs_20140328', operations: logsOperations(this.store) });
    this.observer = { logLine: (line) => this.file(line) };
  }

  onEvent(listener: (group: string, stream: string, message: string) => void): void {
    this.listeners.push(listener);
  }

  private file(line: FunctionLogLine): void {
    this.store.append(line.fn.logGroupName, line.streamName, line.timestamp, line.message);
    for (const listener of this.listeners) listener(line.fn.logGroupName, line.streamName, line.message);
  }
}
