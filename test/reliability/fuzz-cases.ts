import { createInputClassCases } from './fuzz-input-classes.js';
import type { Prng } from './support.js';

// Malformed requests for the fuzzer, generated from the server's own OpenAPI document: every
// operation's path, query and headers, and every field of every POST/PATCH/DELETE body set to a
// wrong type, a wrong shape, a huge or hostile value; plus framing only a raw socket can send.
// Everything is drawn from one seeded PRNG, so a seed replays the same sequence.

export type HttpCase = {
  kind: 'http';
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
};
export type RawCase = { kind: 'raw'; label: string; data: Buffer };
export type FuzzCase = HttpCase | RawCase;

type Schema = Record<string, any>;
export type Operation = { method: string; template: string; params: Schema[]; body?: Schema };

export type Fixtures = {
  /** Real ids by prefix (org, prj, sa, cnt, sp, whe, lreq, key): deeper paths than random ones reach. */
  ids: Record<string, string[]>;
  /** Bearer headers of the fuzzing keys (several, so rate limits rarely answer first). */
  auths: string[];
  adminToken: string;
  /** nextCursors of real lists: aimed at other lists, and poisoned (fuzz-input-classes.ts). */
  cursors?: string[];
};

const HUGE = 'A'.repeat(200_000);
const OVER_LIMIT = 'x'.repeat(1024 * 1024 + 10);
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '😀'.repeat(50),
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '\r\n\r\nHTTP/1.1 200 OK',
  "'; DROP TABLE social_accounts; --",
  '%00',
  '%ZZ',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent literally.
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  'true',
  '0',
  '-1',
  '1e309',
  'x'.repeat(10_000),
  HUGE,
  '\t\u000b\f',
  '\u2028\u2029',
  'Ā'.repeat(3000),
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00.000Z',
  '2026-01-01t00:00:00z',
  '2026-01-01T24:00:00Z',
  'sa_00000000-0000-0000-0000-000000000000',
  `prj_${'f'.repeat(36)}`,
  'cnt_0A1B2C3D-0000-4000-8000-0000000000AA',
  '__proto__',
  'constructor',
  'prototype',
];
const WRONG_TYPES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  -0,
  1e300,
  [],
  [null],
  [[[]]],
  {},
  { a: 1 },
  '',
  'x',
  HUGE,
];

const PROTO_BODIES = [
  '{"__proto__":{"isAdmin":true,"scopes":["*"]}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"__proto__":null}',
  '{"a":{"__proto__":{"polluted":1}}}',
  '[{"__proto__":{"x":1}}]',
  '{"__proto__":[]}',
  '{"prototype":{"toString":"x"}}',
  '{"hasOwnProperty":1,"toString":2,"valueOf":3}',
];

/** encodeURIComponent, except that a lone surrogate becomes the (invalid UTF-8) bytes %ED%A0%80. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

function resolve(doc: Schema, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 10; i++) {
    const path = String(cur.$ref).replace(/^#\//, '').split('/');
    cur = path.reduce((o: any, k) => o?.[k], doc);
  }
  return cur;
}

export function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const params = (op.parameters ?? []).map((p: Schema) => resolve(doc, p)!).filter(Boolean);
      const body = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
      ops.push({ method: method.toUpperCase(), template, params, body });
    }
  }
  return ops;
}

export function createGenerator(doc: Schema, fx: Fixtures, rnd: Prng) {
  const ops = operationsOf(doc);
  const writeOps = ops.filter((o) => o.body);
  const pick = rnd.pick;
  // A version-4-shaped UUID from the seeded PRNG (randomUUID would not replay).
  const randomUUID = () => {
    const hex = Array.from({ length: 32 }, () => rnd.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };

  const idFor = (pattern: string | undefined): string => {
    const prefix = /^\^([a-z]+)_/.exec(pattern ?? '')?.[1];
    if (!prefix) return randomUUID();
    const real = fx.ids[prefix];
    if (real?.length && rnd.chance(0.75)) return pick(real);
    return `${prefix}_${randomUUID()}`;
  };

  /** A valid-looking instance of `schema` (the baseline each mutation breaks one thing of). */
  function valid(schema: Schema | undefined, depth = 0): unknown {
    const s = resolve(doc, schema);
    if (!s || depth > 6) return null;
    if (s.const !== undefined) return s.const;
    if (s.enum) return pick(s.enum);
    const alts = s.anyOf ?? s.oneOf;
    if (alts) return valid(pick(alts.filter((a: Schema) => resolve(doc, a)?.type !== 'null')) ?? alts[0], depth + 1);
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) {
          if ((s.required ?? []).includes(k) || rnd.chance(0.5)) out[k] = valid(v, depth + 1);
        }
        return out;
      }
      case 'array': {
        const n = Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, rnd.int(1, 3)));
        return Array.from({ length: n }, () => valid(s.items, depth + 1));
      }
      case 'string':
        if (s.format === 'date-time')
          return new Date(Date.now() + rnd.int(-2, 48) * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
        if (s.format === 'email') return 'fuzz@example.com';
        if (s.format === 'uri' || /url/i.test(s.description ?? ''))
          return `https://cdn.fuzz.test/${rnd.int(0, 999)}.mp4`; // never fetched: no worker runs
        if (s.pattern && /^\^[a-z]+_/.test(s.pattern)) return idFor(s.pattern);
        return 'fuzz'.padEnd(Math.max(s.minLength ?? 1, 4), 'z').slice(0, s.maxLength ?? 64);
      case 'integer':
      case 'number':
        return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 10, rnd.int(1, 5)));
      case 'boolean':
        return rnd.chance(0.5);
      default:
        return null;
    }
  }

  /** Every path to a value inside `v` (object keys and array indexes), the root excluded. */
  function leaves(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (v === null || typeof v !== 'object') return prefix.length ? [prefix] : [];
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
    const inner = entries.flatMap(([k, x]) => leaves(x, [...prefix, k]));
    return prefix.length ? [prefix, ...inner] : inner;
  }
  function setAt(root: any, path: (string | number)[], value: unknown) {
    let o = root;
    for (const k of path.slice(0, -1)) o = o[k];
    o[path.at(-1)!] = value;
  }
  function deleteAt(root: any, path: (string | number)[]) {
    let o = root;
    for (const k of path.slice(0, -1)) o = o[k];
    if (Array.isArray(o)) o.splice(Number(path.at(-1)), 1);
    else delete o[path.at(-1)!];
  }
  const deep = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n);

  /** One body, broken in one of many ways; returned as the raw text sent on the wire. */
  function brokenBody(op: Operation): { label: string; text: string } {
    const base = valid(op.body) as any;
    const paths = leaves(base);
    const r = rnd.int(0, 99);
    if (r < 40 && paths.length) {
      const path = pick(paths);
      const copy = structuredClone(base);
      const value = rnd.chance(0.5) ? pick(WRONG_TYPES) : pick(HOSTILE_STRINGS);
      setAt(copy, path, value);
      return { label: `${path.join('.')} = ${JSON.stringify(value)?.slice(0, 40)}`, text: JSON.stringify(copy) };
    }
    if (r < 48 && paths.length) {
      const path = pick(paths);
      const copy = structuredClone(base);
      deleteAt(copy, path);
      return { label: `without ${path.join('.')}`, text: JSON.stringify(copy) };
    }
    if (r < 54) {
      const copy = {
        ...(base ?? {}),
        [pick(['extra', '__proto__', 'constructor', 'isAdmin', 'organizationId', ''])]: pick(WRONG_TYPES),
      };
      return { label: 'an unknown field', text: JSON.stringify(copy) };
    }
    if (r < 60) {
      const key = paths.length ? String(pick(paths)[0]) : 'name';
      return {
        label: 'a duplicated key',
        text: `{"${key}":"a","${key}":${JSON.stringify(pick(WRONG_TYPES))},"${key}":null}`,
      };
    }
    if (r < 66) return { label: 'prototype keys', text: pick(PROTO_BODIES) };
    if (r < 72) {
      // Deep enough for any recursive parser, small enough to be parsed: at most 150,000 levels
      // (900 KB as objects) stays under the 1 MiB body limit. Deeper objects (400,000: 2.4 MB)
      // only met the limit, which the next class covers, and raced it: fastify answers 413 from
      // Content-Length and closes the connection while the client is still writing, and fetch
      // reports the write's EPIPE instead of the 413 (seed 2927943103, CI of 2026-12-03).
      const n = pick([100, 1_000, 10_000, 100_000, 150_000]);
      const [open, close] = pick([
        ['[', ']'],
        ['{"a":', '}'],
      ]);
      return { label: `nesting ${n} deep`, text: deep(n, open!, close!) };
    }
    if (r < 76) return { label: 'a body over 1 MiB', text: JSON.stringify({ ...(base ?? {}), pad: OVER_LIMIT }) };
    if (r < 82)
      return {
        label: 'a non-object body',
        text: pick(['null', '[]', '"str"', '0', 'true', '-1e309', '1e309', '[1,2,3]', '{}', '""']),
      };
    if (r < 90) {
      const broken = pick([
        '{',
        '{"a":',
        '{"a":1,}',
        "{'a':1}",
        '{"a":1}}',
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":undefined}',
        '{"a":0x10}',
        '{"a":01}',
        '{"a":"\\x41"}',
        '{"a":"\\u12"}',
        '{"a":"\n"}',
        '\ufeff{}',
        '{"a":1}/*c*/',
        '// c\n{}',
        '{"a":1e99999}',
        '{"a":-}',
        '  ',
        '\u0000',
      ]);
      return { label: `malformed JSON ${JSON.stringify(broken).slice(0, 30)}`, text: broken };
    }
    // Every number in the body made extreme, every string hostile.
    const copy = JSON.parse(JSON.stringify(base ?? {}), (_k, v) =>
      typeof v === 'number'
        ? pick([1e308, -1e308, 2 ** 63, 0.1, -1])
        : typeof v === 'string'
          ? pick(HOSTILE_STRINGS)
          : v,
    );
    return { label: 'every value hostile', text: JSON.stringify(copy) };
  }

  function fillPath(op: Operation, breakIt: boolean): { path: string; label: string } {
    let label = 'path ok';
    const path = op.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const p = op.params.find((x) => x.in === 'path' && x.name === name);
      if (!breakIt || rnd.chance(0.5)) return enc(idFor(p?.schema?.pattern));
      const bad = pick([
        '',
        '%',
        '%ZZ',
        '%00',
        '%2F',
        '..',
        '.',
        '%2e%2e',
        'sa_%E0%A4%A',
        enc(pick(HOSTILE_STRINGS).slice(0, 300)),
        idFor(p?.schema?.pattern).toUpperCase(),
        `${idFor(p?.schema?.pattern)}%00`,
        `${idFor(p?.schema?.pattern)}/`,
        'a'.repeat(rnd.int(90, 2000)),
        `${idFor(p?.schema?.pattern)};x=1`,
        enc(`sa_${'😀'.repeat(12)}`),
        '%C0%AF',
        '%25',
        '\\',
        '..%2f..%2fadmin',
      ]);
      label = `path ${name}=${bad.slice(0, 30)}`;
      return bad;
    });
    return { path, label };
  }

  function query(op: Operation, breakIt: boolean): { qs: string; label: string } {
    const qp = op.params.filter((p) => p.in === 'query');
    const parts: string[] = [];
    let label = '';
    for (const p of qp) if (rnd.chance(0.3)) parts.push(`${p.name}=${enc(String(valid(p.schema)))}`);
    if (breakIt) {
      const name = qp.length ? pick(qp).name : pick(['limit', 'cursor', 'x']);
      const v = pick([
        '-1',
        '0',
        '201',
        '1e9',
        '1.5',
        'abc',
        '',
        '%ZZ',
        '%00',
        enc(HUGE.slice(0, 6000)),
        enc(pick(HOSTILE_STRINGS).slice(0, 500)),
        Buffer.from(JSON.stringify({ createdAt: 'x', id: 1 })).toString('base64url'),
        Buffer.from('{"__proto__":{"a":1}}').toString('base64url'),
        Buffer.from('not json').toString('base64url'),
        'eyJ',
        '====',
        Buffer.from(HUGE.slice(0, 3000)).toString('base64url'),
      ]);
      const shape = rnd.int(0, 5);
      if (shape === 0) parts.push(`${name}=${v}&${name}=${v}`);
      else if (shape === 1) parts.push(`${name}[]=${v}`, `${name}[a][b]=1`);
      else if (shape === 2) parts.push(`__proto__[x]=1`, `constructor[prototype][x]=1`, `${name}=${v}`);
      else if (shape === 3) parts.push(`${name}`);
      else parts.push(`${name}=${v}`);
      label = `query ${name}=${v.slice(0, 30)} (shape ${shape})`;
    }
    return { qs: parts.length ? `?${parts.join('&')}` : '', label };
  }

  function headers(withBody: boolean): { h: Record<string, string>; label: string } {
    const h: Record<string, string> = { authorization: pick(fx.auths) };
    if (withBody) h['content-type'] = 'application/json';
    const r = rnd.int(0, 99);
    let label = '';
    if (r < 12) {
      h.authorization = pick([
        '',
        'Bearer',
        'Bearer ',
        `bearer ${fx.auths[0]!.slice(7)}`,
        'Basic dXNlcjpwYXNz',
        'Bearer lp_live_',
        'Bearer lp_test_key_x_y',
        `Bearer lp_test_key_${randomUUID()}_${'A'.repeat(43)}`,
        `Bearer lp_prod_key_${randomUUID()}_x`,
        `Bearer ${'a'.repeat(8000)}`,
        `${fx.auths[0]!}x`,
        fx.auths[0]!.slice(0, -1),
        `Bearer ${fx.auths[0]!.slice(7).replace('_test_', '_live_')}`,
        `Bearer lp_test_org_${randomUUID()}_x`,
      ]);
      label = `authorization ${h.authorization.slice(0, 24)}`;
    } else if (r < 24 && withBody) {
      h['content-type'] = pick([
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/JSON',
        'application/json;;',
        'application/jsonx',
        'text/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain',
        '*/*',
        '',
        'application/vnd.api+json',
        'application/json, text/plain',
        'application/json; boundary=""',
      ]);
      label = `content-type ${h['content-type']}`;
    } else if (r < 34) {
      h['idempotency-key'] = pick([
        '',
        ' ',
        'k'.repeat(256),
        'k'.repeat(255),
        randomUUID(),
        'same-key',
        'null',
        '%00',
        'k'.repeat(5000),
      ]);
      label = `idempotency-key ${h['idempotency-key'].slice(0, 20)}`;
    } else if (r < 40) {
      h['content-encoding'] = pick(['gzip', 'br', 'deflate', 'identity', 'zstd', 'gzip, gzip', 'x']);
      label = `content-encoding ${h['content-encoding']}`;
    } else if (r < 46) {
      Object.assign(h, {
        'x-forwarded-for': `1.2.3.4, ${'x'.repeat(2000)}`,
        'x-request-id': 'req_attacker',
        accept: '*/*;q=x',
        'accept-encoding': 'x'.repeat(3000),
        origin: 'null',
      });
      label = 'junk proxy and negotiation headers';
    }
    return { h, label };
  }

  function httpCase(): HttpCase {
    const r = rnd.int(0, 99);
    if (r < 55 && writeOps.length) {
      // A body of a write operation, broken one way.
      const op = pick(writeOps);
      const { path } = fillPath(op, rnd.chance(0.1));
      const body = brokenBody(op);
      const { h, label } = headers(true);
      return {
        kind: 'http',
        label: `${op.method} ${op.template}: ${body.label} ${label}`,
        method: op.method,
        path,
        headers: h,
        body: body.text,
      };
    }
    if (r < 85) {
      // Path, query and headers of any operation (GET, DELETE and writes without a broken body).
      const op = pick(ops);
      const p = fillPath(op, rnd.chance(0.5));
      const q = query(op, rnd.chance(0.7));
      // fetch refuses TRACE and CONNECT (the raw cases send those) and a body on GET or HEAD.
      const method = rnd.chance(0.05)
        ? pick(['PUT', 'OPTIONS', 'PATCH', 'POST', 'HEAD', 'PROPFIND', 'MKCOL'])
        : op.method;
      const withBody = !!op.body && method !== 'HEAD' && method !== 'GET' && rnd.chance(0.5);
      const { h, label } = headers(withBody);
      return {
        kind: 'http',
        label: `${method} ${op.template}: ${p.label} ${q.label} ${label}`,
        method,
        path: p.path + q.qs,
        headers: h,
        body: withBody ? JSON.stringify(valid(op.body)) : undefined,
      };
    }
    if (r < 93) {
      // Outside the partner API: the operator plane, OAuth callback, docs, probes, unknown routes.
      const path = pick([
        '/admin/v1/organizations',
        '/admin/v1/api-keys',
        '/admin/v1/projects',
        '/admin/v1/social-accounts',
        '/admin/v1/fixtures/queued-posts',
        '/admin/v1/kill-switches',
        '/admin/v1/lease-pool',
        '/admin/v1/lease-requests/x/fulfil',
        `/oauth/callback/tiktok?code=${enc(pick(HOSTILE_STRINGS).slice(0, 200))}&state=${idFor('^st_')}`,
        '/oauth/callback/instagram?error=access_denied&state=%ZZ',
        '/oauth/callback/myspace',
        '/docs',
        '/docs/%2e%2e/%2e%2e/package.json',
        '/openapi.json?x=%ZZ',
        `/healthz?x=${'a'.repeat(3000)}`,
        '/readyz',
        '/v2/whoami',
        '/v1',
        '/',
        '//v1//whoami',
        '/v1/whoami/',
        '/v1/WHOAMI',
        '/V1/whoami',
        '/v1/./whoami',
        '/v1/../v1/whoami',
      ]);
      const admin = path.startsWith('/admin');
      const method = admin ? pick(['POST', 'PUT', 'GET', 'DELETE']) : pick(['GET', 'GET', 'POST', 'HEAD']);
      const auth = admin
        ? pick([`Bearer ${fx.adminToken}`, 'Bearer wrong-operator-token-0123456789', '', fx.auths[0]!])
        : pick(fx.auths);
      const body =
        method === 'GET' || method === 'HEAD'
          ? undefined
          : pick([
              ...PROTO_BODIES,
              '{"name":null}',
              '{"count":10001}',
              '{"count":-1,"socialAccountId":1}',
              '{"scope":"everything","on":"yes"}',
              '{',
            ]);
      return {
        kind: 'http',
        label: `${method} ${path.slice(0, 60)} (${auth.slice(0, 14)})`,
        method,
        path,
        headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body,
      };
    }
    // Encodings: bytes that are not UTF-8, BOMs, UTF-16, in a JSON body.
    const op = pick(writeOps.length ? writeOps : ops);
    const { path } = fillPath(op, false);
    const text = JSON.stringify(valid(op.body) ?? {});
    const body = pick([
      Buffer.concat([
        Buffer.from(text.slice(0, -1)),
        Buffer.from(',"x":"'),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
      Buffer.from(`\ufeff${text}`, 'utf8'),
      Buffer.from(text, 'utf16le'),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le')]),
      Buffer.from(text.replace(/"/, '"\u0000'), 'utf8'),
      Buffer.from([0xf0, 0x28, 0x8c, 0x28]),
      Buffer.from(text.replace(/:"[^"]*"/, ':"\\ud83d"'), 'utf8'),
      Buffer.from(text.replace(/:"[^"]*"/, ':"\\u0000"'), 'utf8'),
      Buffer.from(text.replace(/:"[^"]*"/, ':"\\ud800\\udc00\\udfff"'), 'utf8'),
    ]);
    return {
      kind: 'http',
      label: `${op.method} ${op.template}: body bytes ${body.subarray(0, 12).toString('hex')}`,
      method: op.method,
      path,
      headers: { authorization: pick(fx.auths), 'content-type': 'application/json' },
      body,
    };
  }

  function rawCase(): RawCase {
    const id = idFor('^sa_');
    const auth = pick(fx.auths);
    const target = pick([
      `/v1/social-accounts/${id}`,
      '/v1/whoami',
      '/healthz',
      `/v1/projects/${idFor('^prj_')}`,
      '/v1/projects',
      '/admin/v1/organizations',
    ]);
    const body = '{"name":"x","timezone":"UTC"}';
    const r = rnd.int(0, 30);
    const cases: [string, string | Buffer][] = [
      ['bare LF line endings', `GET ${target} HTTP/1.1\nHost: x\nAuthorization: ${auth}\n\n`],
      ['obs-fold header', `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n ${auth.slice(7)}\r\n\r\n`],
      ['lowercase method', `get ${target} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ['absolute-form target', `GET http://127.0.0.1${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`],
      ['asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['CONNECT', 'CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: 127.0.0.1:5432\r\n\r\n'],
      ['HTTP/1.0 without Host', `GET ${target} HTTP/1.0\r\nAuthorization: ${auth}\r\n\r\n`],
      ['HTTP/1.1 without Host', `GET ${target} HTTP/1.1\r\nAuthorization: ${auth}\r\n\r\n`],
      ['two Host headers', `GET ${target} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`],
      ['space before colon', `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization : ${auth}\r\n\r\n`],
      [
        'chunk extension and trailer',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)};ext=1\r\n${body}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
      ],
      [
        'huge chunk size',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n${body}\r\n0\r\n\r\n`,
      ],
      [
        'negative Content-Length',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n${body}`,
      ],
      [
        'Content-Length shorter than the body',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${body}`,
      ],
      [
        'Content-Length longer than the body, then EOF',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n${body}`,
      ],
      [
        'Transfer-Encoding: gzip, chunked',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
      ],
      [
        'Transfer-Encoding with a space',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabc`,
      ],
      [
        'CL.TE smuggling shape',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`,
      ],
      [
        'request smuggled after a body',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n\r\n`,
      ],
      [
        'pipelined mix of good and bad',
        `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/%ZZ HTTP/1.1\r\nHost: x\r\n\r\nG\u0000T / HTTP/1.1\r\n\r\n`,
      ],
      [
        'a control byte in a header value',
        `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nX-A: a\u0001\u007fb\r\n\r\n`,
      ],
      [
        'raw UTF-8 in the authorization header',
        Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lp_test_ключ\r\n\r\n`, 'utf8'),
      ],
      [
        'latin-1 bytes in the path',
        Buffer.concat([
          Buffer.from('GET /v1/social-accounts/sa_'),
          Buffer.from([0xe9, 0xff, 0x80]),
          Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`),
        ]),
      ],
      ['a 9,000-character method', `${'G'.repeat(9000)} / HTTP/1.1\r\nHost: x\r\n\r\n`],
      [
        'TRACE with a body',
        `TRACE ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 2\r\n\r\n{}`,
      ],
      ['random bytes', Buffer.from(Array.from({ length: rnd.int(1, 400) }, () => rnd.int(0, 255)))],
      ['TLS ClientHello on the plain port', Buffer.from(`16030100a5010000a10303${'00'.repeat(64)}`, 'hex')],
      ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
      ['only a request line, then EOF', `GET ${target} HTTP/1.1\r\n`],
      ['headers cut mid-line, then EOF', `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthor`],
      [
        'Expect: 100-continue then EOF',
        `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
      ],
    ];
    const [label, data] = cases[r]!;
    return { kind: 'raw', label, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1') };
  }

  const inputClassCase = createInputClassCases(
    ops,
    fx,
    rnd,
    (op) => fillPath(op, false).path,
    (op) => valid(op.body),
  );
  const next = (): FuzzCase =>
    rnd.chance(0.08) ? rawCase() : rnd.chance(0.1) ? (inputClassCase() ?? httpCase()) : httpCase();
  return { next, operations: ops.length, writeOperations: writeOps.length };
}
