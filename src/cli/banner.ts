import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { pgliteDirOf } from '../db/client.js';

// What `layers serve` tells a person at start-up, once, on stderr (stdout stays JSON log lines):
// where the API and its reference are, and which files hold the demo key and the operator token.
// File paths only, never the secrets. LAYERS_BANNER=0 turns it off (docs/operations.md).

/**
 * The first `layers serve` on an embedded data directory in development seeds the demo data, so
 * `npm start` on a fresh checkout ends with a working key. Later starts keep what is there.
 */
export function seedsDemoOnFirstStart(config: Config): boolean {
  return config.nodeEnv === 'development' && !config.databaseUrl && !fs.existsSync(pgliteDirOf(config.dataDir));
}

export type BannerFacts = { baseUrl: string; seededDemo: boolean };

export function startupBanner(config: Config, { baseUrl, seededDemo }: BannerFacts): string {
  const demoFile = path.join(config.dataDir, 'demo.json');
  const database = config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`;
  const apiKey = fs.existsSync(demoFile)
    ? `"apiKey" in ${demoFile}${seededDemo ? ' (seeded now)' : ''}; e.g. KEY=$(jq -r .apiKey ${demoFile})`
    : 'none in the data directory: start with --demo to seed one, or "layers admin key create --help"';
  const adminToken = config.adminToken ? 'from LAYERS_ADMIN_TOKEN' : path.join(config.dataDir, 'admin-token');
  const rows = [
    ['API', `${baseUrl}/v1`],
    ['Docs', `${baseUrl}/docs`],
    ['Console', `${baseUrl}/console (sign in with the admin token)`],
    ['API key', apiKey],
    ['Admin token', `${adminToken} (for /admin/v1, /console and "layers admin")`],
  ];
  return [
    `Layers partner API is up (${config.nodeEnv}, ${database})`,
    ...rows.map(([name, value]) => `  ${`${name}:`.padEnd(13)}${value}`),
    'Logs are JSON lines on stdout. LAYERS_BANNER=0 hides this block.',
    '',
  ].join('\n');
}

export function printStartupBanner(config: Config, facts: BannerFacts) {
  if (config.banner) process.stderr.write(startupBanner(config, facts));
}
