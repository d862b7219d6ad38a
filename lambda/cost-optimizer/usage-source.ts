import type { FunctionProfile } from '#cost-domain/recommendation';

/** Reports what a source is doing while it measures (the CLI prints it on stderr). */
export type Progress = (message: string) => void;

/**
 * Where function usage comes from: CloudWatch for a deployed stack, or the
 * local cloud's invocation records. Strategies only ever see the profiles.
 */
export interface UsageSource {
  /** A short description for reports, e.g. `cloudwatch:ServerlessCommerce-dev` or `local:<file>`. */
  readonly name: string;
  /** Length of the observation window in hours (the basis of monthly estimates). */
  readonly windowHours: number;
  /** One profile per function found, sorted by function name. */
  collect(progress?: Progress): Promise<FunctionProfile[]>;
}
