export {
  type Args,
  Layers,
  type LayersOptions,
  type Method,
  type PagePromise,
  type Result,
  VERSION,
  type VerifyWebhook,
  type WithResponse,
} from './client.js';
export * from './errors.js';
export { OPERATION_METHODS } from './operations.js';
export {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_RETRY_AFTER_SECONDS,
  type RequestOptions,
  type ResponseInfo,
} from './transport.js';
export type * from './types.gen.js';
export { OPERATIONS } from './types.gen.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  type VerifyOptions,
  verifyWebhook,
  type WebhookEvent,
  WebhookSignatureError,
} from './webhooks.js';
