export { type Args, Layers, type LayersOptions, type Method, type Result, VERSION } from './client.js';
export * from './errors.js';
export { OPERATION_METHODS } from './operations.js';
export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RETRY_AFTER_SECONDS, type RequestOptions } from './transport.js';
export type * from './types.gen.js';
export { OPERATIONS } from './types.gen.js';
