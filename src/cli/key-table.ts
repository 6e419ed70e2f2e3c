// `layers key list --table` (src/cli/admin-verbs.ts): the keys as aligned columns.

type KeyRow = { masked: string; name: string | null; env: string; rateLimitTier: string; scopes: string[] };
type KeyStatus = { status: string; revokedAt: string | null; expiresAt: string | null; createdAt: string };

/** `key list --table`: one line per key, columns aligned. */
export function keyTable(body: unknown): string {
  const items = (body as { items: (KeyRow & KeyStatus & { apiKeyId: string })[] }).items;
  const rows = [
    ['KEY', 'NAME', 'ENV', 'TIER', 'SCOPES', 'CREATED', 'STATUS'],
    ...items.map((k) => [
      k.masked,
      k.name ?? '-',
      k.env,
      k.rateLimitTier,
      k.scopes.join(','),
      k.createdAt,
      k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `${k.status} ${k.expiresAt}` : k.status,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
