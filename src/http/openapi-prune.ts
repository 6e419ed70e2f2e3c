// The OpenAPI document's schemas (src/http/openapi.ts): only those its operations reach, under
// their plain names.

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema document walked generically.
type Json = Record<string, any>;

function refsIn(value: unknown, found: Set<string>) {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) found.add(v.slice(21));
      else refsIn(v, found);
    }
  }
}

/**
 * Keeps the schemas the operations reach. The zod provider emits an input and an output variant
 * of every named schema; a request-only `FooInput` whose output twin is unused becomes `Foo`.
 */
export function pruneSchemas(doc: Json): Json {
  const all: Json = doc.components?.schemas ?? {};
  const reached = new Set<string>();
  const queue: string[] = [];
  const before = new Set<string>();
  refsIn(doc.paths, before);
  queue.push(...before);
  while (queue.length) {
    const name = queue.pop()!;
    if (reached.has(name) || !all[name]) continue;
    reached.add(name);
    const inner = new Set<string>();
    refsIn(all[name], inner);
    queue.push(...inner);
  }
  const rename = new Map<string, string>();
  for (const name of reached) {
    const base = name.replace(/Input$/, '');
    if (base !== name && !reached.has(base)) rename.set(name, base);
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!value || typeof value !== 'object') return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$schema' || k === '$id') continue; // the provider's JSON Schema ids confuse OpenAPI tools
      out[k] =
        k === '$ref' && typeof v === 'string'
          ? v.replace(/^#\/components\/schemas\/(\w+)$/, (m, n) =>
              rename.has(n) ? `#/components/schemas/${rename.get(n)}` : m,
            )
          : rewrite(v);
    }
    return out;
  };
  doc.paths = rewrite(doc.paths);
  return Object.fromEntries([...reached].map((name) => [rename.get(name) ?? name, rewrite(all[name])]));
}
