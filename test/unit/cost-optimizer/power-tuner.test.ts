import {
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseReportLine, PowerTuner } from '../../../cli/optimize/power-tuner';

const lambdaMock = mockClient(LambdaClient);
const tail = (text: string) => Buffer.from(text).toString('base64');
const report = (billed: number, memory: number, init?: number) =>
  `START RequestId: x\nEND RequestId: x\nREPORT RequestId: x\tDuration: ${billed - 0.5} ms\tBilled Duration: ${billed} ms\tMemory Size: ${memory} MB\tMax Memory Used: 80 MB\t${init ? `Init Duration: ${init} ms\t` : ''}\n`;

/** A small fake of Lambda's control plane: memory of $LATEST, versions published from it. */
function fakeLambda(options: { existingVersions?: string[]; failInvokeAt?: number } = {}) {
  let memory = 512;
  let nextVersion = 7;
  const versionMemory = new Map<string, number>();
  lambdaMock.on(GetFunctionConfigurationCommand).callsFake(() => ({ MemorySize: memory, LastUpdateStatus: 'Successful', State: 'Active' }));
  lambdaMock
    .on(ListVersionsByFunctionCommand)
    .resolves({ Versions: [{ Version: '$LATEST' }, ...(options.existingVersions ?? []).map((Version) => ({ Version }))] });
  lambdaMock.on(UpdateFunctionConfigurationCommand).callsFake(({ MemorySize }: { MemorySize: number }) => {
    memory = MemorySize;
    return { MemorySize };
  });
  lambdaMock.on(PublishVersionCommand).callsFake(() => {
    const Version = String(nextVersion++);
    versionMemory.set(Version, memory);
    return { Version };
  });
  lambdaMock.on(InvokeCommand).callsFake(({ Qualifier }: { Qualifier: string }) => {
    const m = versionMemory.get(Qualifier) as number;
    if (m === options.failInvokeAt) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    return { StatusCode: 200, LogResult: tail(report(Math.round(51_200 / m), m, 150)) };
  });
  lambdaMock.on(DeleteFunctionCommand).resolves({});
  return { memory: () => memory };
}

beforeEach(() => lambdaMock.reset());

describe('parseReportLine', () => {
  it('reads the figures of a REPORT line, init duration only on a cold start', () => {
    expect(parseReportLine(report(13, 128, 210.5))).toEqual({
      durationMs: 12.5,
      billedDurationMs: 13,
      memorySizeMb: 128,
      maxMemoryUsedMb: 80,
      initDurationMs: 210.5,
    });
    expect(parseReportLine(report(13, 128))).toEqual({ durationMs: 12.5, billedDurationMs: 13, memorySizeMb: 128, maxMemoryUsedMb: 80 });
    expect(parseReportLine('START RequestId: x\n')).toBeUndefined();
  });
});

describe('PowerTuner', () => {
  const tuner = (progress: string[] = []) =>
    new PowerTuner(new LambdaClient({ region: 'us-east-1' }), { progress: (m) => progress.push(m), sleep: async () => {} });

  it('publishes a version per size, invokes it N times with LogType Tail, then restores and cleans up', async () => {
    const fake = fakeLambda({ existingVersions: ['3'] });
    const progress: string[] = [];
    const measurements = await tuner(progress).tune({ functionName: 'fn', memorySizes: [256, 128], invocations: 3, payload: '{"a":1}' });

    expect(measurements).toEqual([
      { memoryMb: 128, billedDurationsMs: [400, 400, 400], initDurationsMs: [150, 150, 150], errors: 0 },
      { memoryMb: 256, billedDurationsMs: [200, 200, 200], initDurationsMs: [150, 150, 150], errors: 0 },
    ]);
    const invokes = lambdaMock.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes).toHaveLength(6);
    expect(invokes[0]).toMatchObject({ FunctionName: 'fn', Qualifier: '7', LogType: 'Tail' });
    expect(Buffer.from(invokes[0]!.Payload as Uint8Array).toString()).toBe('{"a":1}');
    const updates = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).map((c) => c.args[0].input.MemorySize);
    expect(updates).toEqual([128, 256, 512]);
    expect(fake.memory()).toBe(512);
    expect(lambdaMock.commandCalls(DeleteFunctionCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'fn', Qualifier: '7' },
      { FunctionName: 'fn', Qualifier: '8' },
    ]);
    expect(progress).toContain('fn @ 128 MB: 3/3 (400 ms)');
  });

  it('restores the original memory and deletes its versions when an invocation fails', async () => {
    const fake = fakeLambda({ failInvokeAt: 256 });
    await expect(tuner().tune({ functionName: 'fn', memorySizes: [128, 256, 1024], invocations: 2 })).rejects.toThrow(
      'Power tuning fn failed: Rate exceeded',
    );
    expect(fake.memory()).toBe(512);
    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).map((c) => c.args[0].input.MemorySize)).toEqual([128, 256, 512]);
    expect(lambdaMock.commandCalls(DeleteFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['7', '8']);
  });

  it('never deletes a version that existed before the run', async () => {
    fakeLambda({ existingVersions: ['7'] });
    await tuner().tune({ functionName: 'fn', memorySizes: [128, 256], invocations: 1 });
    expect(lambdaMock.commandCalls(DeleteFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['8']);
  });

  it('restores when aborted, and says how to restore by hand if restoring fails', async () => {
    fakeLambda();
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(new Error('AccessDenied'));
    const error = await tuner()
      .tune({ functionName: 'fn', memorySizes: [128], signal: controller.signal })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'Power tuning fn failed: interrupted; could not restore its memory size (AccessDenied); restore it with: aws lambda update-function-configuration --function-name fn --memory-size 512',
    );
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('counts failed invocations at a size (FunctionError) as errors, keeping their durations', async () => {
    fakeLambda();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', LogResult: tail(report(30, 128)) });
    const [m] = await tuner().tune({ functionName: 'fn', memorySizes: [128], invocations: 2 });
    expect(m).toEqual({ memoryMb: 128, billedDurationsMs: [30, 30], initDurationsMs: [], errors: 2 });
  });

  it('refuses invalid sizes before touching the function', async () => {
    fakeLambda();
    await expect(tuner().tune({ functionName: 'fn', memorySizes: [64] })).rejects.toThrow(/128 to 10240/);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});
