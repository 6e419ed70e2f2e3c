import { type MappedOperationId, OPERATION_METHODS } from './operations.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type RequestOptions,
  type ResponseInfo,
  send,
  type TransportConfig,
} from './transport.js';
import { OPERATIONS, type OperationId, type Operations } from './types.gen.js';
import { type VerifyOptions, verifyWebhook, type WebhookEvent } from './webhooks.js';

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
/** A result carries its HTTP response's request id, status and headers as `lastResponse` (not enumerable). */
export type WithResponse<T> = T & { readonly lastResponse: ResponseInfo };
export type Result<Op extends OperationId> = WithResponse<Operations[Op]['response']>;
/**
 * What a call answers for its arguments: with `dryRun: true` only the dry run's result, without it
 * never (docs/platform-rules.md); a `dryRun` known only as a boolean may get either.
 */
type Answer<Op extends OperationId, A> = A extends { dryRun: true }
  ? Extract<Operations[Op]['response'], { dryRun: true }>
  : A extends { dryRun?: false | undefined }
    ? Exclude<Operations[Op]['response'], { dryRun: true }>
    : Operations[Op]['response'];
type ItemOf<Op extends OperationId> = Operations[Op]['response'] extends { items: (infer I)[]; nextCursor: unknown }
  ? I
  : never;
/**
 * A list call: await it for one page, or iterate it (`for await (const x of layers.social.list({ projectId }))`)
 * to walk every page, following `nextCursor` with the same arguments.
 */
export interface PagePromise<Page, Item> extends Promise<Page>, AsyncIterable<Item> {
  /** Every item of every page, in order; refuses to collect more than `limit` (a guard against huge lists). */
  autoPagingToArray(options: { limit: number }): Promise<Item[]>;
}
type Call<Op extends OperationId, A = Args<Op>> = [ItemOf<Op>] extends [never]
  ? Promise<WithResponse<Answer<Op, A>>>
  : PagePromise<Result<Op>, ItemOf<Op>>;
/** A method's signature: `args` may be left out when every field is optional. */
export type Method<Op extends OperationId> =
  // biome-ignore lint/complexity/noBannedTypes: `{} extends T` is how a type asks "are all of T's fields optional?".
  {} extends Args<Op>
    ? <A extends Args<Op> = Args<Op>>(args?: A, options?: RequestOptions) => Call<Op, A>
    : <A extends Args<Op>>(args: A, options?: RequestOptions) => Call<Op, A>;

/** `layers.webhooks.verify(rawBody, signatureHeader, secret)`: the parsed event, or a WebhookSignatureError. */
export type VerifyWebhook = <Data = Record<string, unknown>>(
  payload: string | Uint8Array,
  header: string | null | undefined,
  secret: string | readonly string[],
  options?: VerifyOptions,
) => Promise<WebhookEvent<Data>>;

type Table = typeof OPERATION_METHODS;
type NamespaceOf<P> = P extends `${infer N}.${string}` ? N : never;
type Surface = {
  [N in NamespaceOf<Table[MappedOperationId]>]: {
    [Op in MappedOperationId as Table[Op] extends `${N}.${infer M}` ? M : never]: Method<Op & OperationId>;
  };
} & {
  [Op in MappedOperationId as Table[Op] extends `${string}.${string}` ? never : Table[Op]]: Method<Op & OperationId>;
} & { webhooks: { verify: VerifyWebhook } };

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
      const paged = (OPERATIONS[operationId as OperationId]?.query as readonly string[] | undefined)?.includes(
        'cursor',
      );
      const call = (args?: Record<string, unknown>, opts?: RequestOptions) =>
        paged
          ? this.#list(operationId as OperationId, args, opts)
          : this.request(operationId as OperationId, args as never, opts);
      const [ns, name] = where.includes('.') ? where.split('.') : [undefined, where];
      if (!ns) self[name!] = call;
      else {
        self[ns] ??= {};
        (self[ns] as Record<string, unknown>)[name!] = call;
      }
    }
    (self.webhooks as Record<string, unknown>).verify = verifyWebhook;
  }

  #list(operationId: OperationId, args: Record<string, unknown> | undefined, options: RequestOptions | undefined) {
    type Page = { items: unknown[]; nextCursor: string | null };
    const first = this.request(operationId, args as never, options) as Promise<unknown> as Promise<Page>;
    const next = (cursor: string) =>
      this.request(operationId, { ...args, cursor } as never, options) as Promise<unknown> as Promise<Page>;
    async function* iterate() {
      for (let page = await first; ; page = await next(page.nextCursor!)) {
        yield* page.items;
        if (!page.nextCursor) return;
      }
    }
    return Object.assign(first, {
      [Symbol.asyncIterator]: iterate,
      async autoPagingToArray({ limit }: { limit: number }) {
        const out: unknown[] = [];
        for await (const item of iterate()) {
          if (out.length >= limit)
            throw new RangeError(`More than ${limit} items: raise the limit or iterate instead.`);
          out.push(item);
        }
        return out;
      },
    });
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
      return send(this.#config, { method: spec.method, path, query, body, idempotent: spec.idempotent }, options).then(
        ({ body, response }) => {
          if (body && typeof body === 'object') Object.defineProperty(body, 'lastResponse', { value: response });
          return body as Result<Op>;
        },
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
