import type { FastifyInstance } from 'fastify';
import { invalidField } from './errors.js';

// Strings PostgreSQL cannot store: text and jsonb refuse U+0000, and jsonb refuses a lone UTF-16
// surrogate (JSON.stringify writes it as a \udXXX escape). Reaching a query they failed there as a
// 500; they are the client's mistake, so a body or query string carrying one is a 422 VALIDATION
// at the field, before the route's schema runs (and after the guards, which precede validation).

const PROBLEMS = {
  nul: 'must not contain a NUL character (\\u0000)',
  surrogate: 'must be well-formed Unicode (a lone surrogate)',
};

// A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problemOf(s: string): string | undefined {
  if (s.includes('\u0000')) return PROBLEMS.nul;
  if (LONE_SURROGATE.test(s)) return PROBLEMS.surrogate;
  return undefined;
}

/**
 * The first key or string value PostgreSQL cannot store, with its dotted path. Iterative: bodies
 * may nest 100,000 deep.
 */
export function findUnstorableString(value: unknown): { path: string; message: string } | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const message = problemOf(v);
      if (message) return { path, message };
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const childPath = path ? `${path}.${k}` : k;
        const message = problemOf(k);
        if (message) return { path: childPath, message };
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

export function rejectUnstorableStrings(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    for (const [part, value] of [
      ['body', schema?.body && request.body],
      ['query', schema?.querystring && request.query],
    ] as const) {
      const issue = value ? findUnstorableString(value) : undefined;
      if (issue) throw invalidField(issue.path, issue.message, part);
    }
  });
}
