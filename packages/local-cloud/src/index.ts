/**
 * The local cloud's public entry: everything a caller outside this package may
 * import. `startLocalCloud` serves a cloud assembly (or, with `assemblyDir:
 * null`, only the AWS services behind the edge); the CLI (`local-cloud up`)
 * is a thin shell over it.
 */
export { startLocalCloud } from './cloud';
export type { LocalCloud, LocalCloudOptions, NotEmulated } from './cloud';
export type { RecordsRetention } from './lambda/records-retention';
export type { EdgeHandler, EdgeRequest, EdgeResponse, InvocationRecord, InvokeResult, LocalStack, StackResource } from './types';
export { ReloadableCloud, type ReloadOutcome } from './reload';
export { describeStart, type StartOutputOptions } from './start-output';
