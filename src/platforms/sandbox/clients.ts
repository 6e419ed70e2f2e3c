/**
 * The client credentials the sandbox platform accepts. Not secrets: the sandbox only ever
 * runs on loopback in development and tests, and every token it issues is fake.
 */
export const SANDBOX_CLIENTS = {
  tiktok: { clientKey: 'sbx_tiktok_client_key', clientSecret: 'sbx_tiktok_client_secret' },
  instagram: { clientId: '990000000000001', clientSecret: 'sbx_instagram_client_secret' },
} as const;
