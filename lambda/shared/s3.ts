import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, usesCustomEndpoint } from './aws';

/**
 * The container's S3 client. Same bundle everywhere; two settings exist for the
 * emulators and are harmless on AWS:
 * - `forcePathStyle` only when AWS_ENDPOINT_URL is set (LocalStack, the local
 *   cloud's s3rver): an emulator serves buckets as paths on one host, while AWS
 *   keeps its default virtual-hosted style;
 * - checksums only where an operation requires one: s3rver would otherwise store
 *   the aws-chunked framing of a streamed body as part of the object.
 */
export const s3 = new S3Client({
  ...clientConfig,
  forcePathStyle: usesCustomEndpoint,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
