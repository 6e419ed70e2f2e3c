import { LIST_KINDS } from '../../src/services/pagination.js';
import type { Fixtures, HttpCase, Operation } from './fuzz-cases.js';
import type { Prng } from './support.js';

// Input classes that once reached a 500 (or a wrong status), aimed at the operations that take
// them: cursors with a NUL or a lone surrogate inside once decoded, another list's cursor, an
// untagged one; timestamps out of years 0001–9999 once converted to UTC, expanded years; a JSON
// body sent as text/plain. Each is drawn from the generator's seeded PRNG, so a seed replays.

/** Out of range in UTC (9999-12-31T23:59:59-00:01 is year 10000), expanded years, and the bounds themselves. */
const TIMESTAMPS = [
  '9999-12-31T23:59:59-00:01',
  '0001-01-01T00:00:00+14:00',
  '+010000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '10000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999-23:59',
  '0000-12-31T23:59:59Z',
  '0001-01-01T00:00:00.000+00:01',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.9999999999+00:00',
];

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

export function createInputClassCases(
  ops: Operation[],
  fx: Fixtures,
  rnd: Prng,
  fillPath: (op: Operation) => string,
  valid: (op: Operation) => unknown,
) {
  const pick = rnd.pick;
  const listOps = ops.filter(
    (o) => o.method === 'GET' && o.params.some((p) => p.in === 'query' && p.name === 'cursor'),
  );
  const queryTimeOps = ops.filter((o) => o.params.some((p) => p.in === 'query' && p.schema?.format === 'date-time'));
  const bodyTimeOps = ops.filter((o) =>
    Object.values<Record<string, unknown>>(o.body?.properties ?? {}).some((s) => s.format === 'date-time'),
  );
  const bodyOps = ops.filter((o) => o.body);

  /** A cursor this API never issued for that list: poisoned, another list's, untagged, out of range. */
  function hostileCursor(): { label: string; cursor: string } {
    const real = fx.cursors?.length ? pick(fx.cursors) : undefined;
    const tagged = (pos: Record<string, unknown>) =>
      JSON.stringify({ l: pick(LIST_KINDS), f: 'AAAAAAAAAAAAAAAA', ...pos });
    const r = rnd.int(0, 9);
    if (r < 3 && real) return { label: 'a real cursor, maybe another list’s', cursor: real };
    if (r < 5 && real) {
      const value = JSON.parse(Buffer.from(real, 'base64url').toString('utf8'));
      const key = pick(Object.keys(value));
      value[key] =
        typeof value[key] === 'string'
          ? `${value[key]}${pick(['\u0000', '\ud800', '\udfff\ud800'])}`
          : pick(['\u0000', 'a\u0000b']);
      return { label: `a real cursor with ${key} poisoned`, cursor: b64(JSON.stringify(value)) };
    }
    const text = pick([
      tagged({ createdAt: '2026-01-01T00:00:00.000Z', id: 'sa_\u0000' }),
      tagged({ scheduledFor: '+010000-01-01T13:59:59.000Z', id: 'sp_x' }),
      tagged({ createdAt: '2026-01-01T00:00:00.000Z', id: '\ud800' }),
      tagged({ 'k\u0000': 1 }),
      tagged({ id: 1e300 }),
      tagged({ seq: -1 }),
      JSON.stringify({ createdAt: '2026-01-01T00:00:00.000Z', id: 'sa_1' }),
      JSON.stringify({ id: 5 }),
      JSON.stringify({ l: 'a\u0000' }),
      JSON.stringify({ l: ['projects'] }),
      JSON.stringify([{ l: 'projects' }]),
      '{"l":"projects","f":"x","__proto__":{"a":1}}',
    ]);
    return { label: `a forged cursor ${JSON.stringify(text).slice(0, 50)}`, cursor: b64(text) };
  }

  function cursorCase(): HttpCase | undefined {
    if (!listOps.length) return undefined;
    const op = pick(listOps);
    const { label, cursor } = hostileCursor();
    const path = `${fillPath(op)}?cursor=${encodeURIComponent(cursor)}`;
    return {
      kind: 'http',
      label: `GET ${op.template}: ${label}`,
      method: 'GET',
      path,
      headers: { authorization: pick(fx.auths) },
    };
  }

  function timestampCase(): HttpCase | undefined {
    const value = pick(TIMESTAMPS);
    if (rnd.chance(0.5) && bodyTimeOps.length) {
      const op = pick(bodyTimeOps);
      const body = { ...(valid(op) as Record<string, unknown>) };
      const field = Object.entries<Record<string, unknown>>(op.body!.properties).find(
        ([, s]) => s.format === 'date-time',
      )![0];
      body[field] = value;
      return {
        kind: 'http',
        label: `${op.method} ${op.template}: ${field}=${value}`,
        method: op.method,
        path: fillPath(op),
        headers: { authorization: pick(fx.auths), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      };
    }
    if (!queryTimeOps.length) return undefined;
    const op = pick(queryTimeOps);
    const param = pick(op.params.filter((p) => p.in === 'query' && p.schema?.format === 'date-time')).name as string;
    return {
      kind: 'http',
      label: `${op.method} ${op.template}: ${param}=${value}`,
      method: op.method,
      path: `${fillPath(op)}?${param}=${encodeURIComponent(value)}`,
      headers: { authorization: pick(fx.auths) },
    };
  }

  function textPlainCase(): HttpCase | undefined {
    if (!bodyOps.length) return undefined;
    const op = pick(bodyOps);
    const contentType = pick(['text/plain', 'text/plain; charset=utf-8', 'TEXT/PLAIN']);
    return {
      kind: 'http',
      label: `${op.method} ${op.template}: a JSON body as ${contentType}`,
      method: op.method,
      path: fillPath(op),
      headers: { authorization: pick(fx.auths), 'content-type': contentType },
      body: JSON.stringify(valid(op) ?? {}),
    };
  }

  /** One case of these classes, or undefined when the document has no operation to aim it at. */
  return () => pick([cursorCase, cursorCase, timestampCase, timestampCase, textPlainCase])();
}
