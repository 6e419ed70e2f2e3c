import assert from 'node:assert/strict';

/** The text exposition as a map "name{labels}" → value; every sample line must parse. */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    // Values as Go's ParseFloat reads them: NaN and ±Inf in any case (prom-client writes "Nan").
    const raw = m[3]!.toLowerCase();
    const value =
      raw === 'nan' ? Number.NaN : /^[+-]?inf$/.test(raw) ? Number(raw.replace('inf', 'Infinity')) : Number(raw);
    assert.ok(!Number.isNaN(value) || raw === 'nan', line);
    samples.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return samples;
}
