import { type MappedOperationId, OPERATION_METHODS } from './operations.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type RequestOptions,
  send,
  type TransportConfig,
} from './transport.js';
import { OPERATIONS, type OperationId, type Operations } from './types.gen.js';

export const VERSION = '0.1.0';
const DEFAULT_BASE_URL = 'https://api.layers.com';

export type LayersOptions = {
  /** `lp_live_…` or `lp_test_…`; defaults to the LAYERS_API_KEY environment variable. */
  apiKey?: string;
  /** Defaults to LAYERS_BASE_URL, else https://api.layers.com. */
  baseUrl?: string;
  /** Retries after a network error, timeout, 429, 5xx or in-progress idempotency conflict (default 2). */
  maxRetries?: number;
  /** Per attempt (default 60 000). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
};

/** One flat object: path parameters, query parameters and body fields side by side. */
export type Args<Op extends OperationId> = Operations[Op]['pathParams'] &
  Operations[Op]['query'] &
  Operations[Op]['body'];
export type Result<Op extends OperationId> = Operations[Op]['response'];
/** A method's signature: `args` may be left out when every field is optional. */
export type Method<Op extends OperationId> =
  // biome-ignore lint/complexity/noBannedTypes: `{} extends T` is how a type asks "are all of T's fields optional?".
  {} extends Args<Op>
    ? (args?: Args<Op>, options?: RequestOptions) => Promise<Result<Op>>
    : (args: Args<Op>, options?: RequestOptions) => Promise<Result<Op>>;

type Table = typeof OPERATION_METHODS;
type NamespaceOf<P> = P extends `${infer N}.${string}` ? N : never;
type Surface = {
  [N in NamespaceOf<Table[MappedOperationId]>]: {
    [Op in MappedOperationId as Table[Op] extends `${N}.${infer M}` ? M : never]: Method<Op & OperationId>;
  };
} & {
  [Op in MappedOperationId as Table[Op] extends `${string}.${string}` ? never : Table[Op]]: Method<Op & OperationId>;
};

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

// The resource methods (layers.social.revoke, …) are declared by Surface and attached from OPERATION_METHODS.
export interface Layers extends Surface {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merge is the point; the constructor attaches every Surface member.
export class Layers {
  readonly baseUrl: string;
  readonly #config: TransportConfig;

  constructor(options: LayersOptions = {}) {
    const apiKey = options.apiKey ?? env('LAYERS_API_KEY');
    if (!apiKey) throw new TypeError('Layers: pass { apiKey } or set LAYERS_API_KEY.');
    this.baseUrl = (options.baseUrl ?? env('LAYERS_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#config = {
      apiKey,
      baseUrl: this.baseUrl,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      fetch: options.fetch ?? ((...a) => globalThis.fetch(...a)),
      userAgent: `layers-sdk-typescript/${VERSION}`,
    };
    const self = this as unknown as Record<string, unknown>;
    for (const [operationId, where] of Object.entries(OPERATION_METHODS)) {
      const call = (args?: Record<string, unknown>, opts?: RequestOptions) =>
        this.request(operationId as OperationId, args as never, opts);
      const [ns, name] = where.includes('.') ? where.split('.') : [undefined, where];
      if (!ns) self[name!] = call;
      else {
        self[ns] ??= {};
        (self[ns] as Record<string, unknown>)[name!] = call;
      }
    }
  }

  /** Calls an operation by its operationId; the resource methods are shorthands for this. */
  request<Op extends OperationId>(operationId: Op, args?: Args<Op>, options?: RequestOptions): Promise<Result<Op>> {
    const spec = OPERATIONS[operationId];
    if (!spec) return Promise.reject(new TypeError(`Unknown operation ${operationId}`));
    const rest: Record<string, unknown> = { ...(args as Record<string, unknown> | undefined) };
    try {
      const path = spec.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const value = rest[name];
        if (value === undefined || value === null || value === '')
          throw new TypeError(`${operationId}: ${name} is required`);
        delete rest[name];
        return encodeURIComponent(String(value));
      });
      const query: [string, string][] = [];
      for (const name of spec.query as readonly string[]) {
        const value = rest[name];
        delete rest[name];
        if (value === undefined || value === null) continue;
        for (const item of Array.isArray(value) ? value : [value]) query.push([name, String(item)]);
      }
      const fields = Object.keys(rest).filter((k) => rest[k] !== undefined);
      if (!spec.body && fields.length) throw new TypeError(`${operationId} does not take ${fields.join(', ')}`);
      const body = spec.body === 'required' || (spec.body && fields.length) ? rest : undefined;
      return send(
        this.#config,
        { method: spec.method, path, query, body, idempotent: spec.idempotent },
        options,
      ) as Promise<Result<Op>>;
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
