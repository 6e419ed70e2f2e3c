import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Console sessions are stateless signed cookies: `<payload>.<mac>`, the payload base64url JSON
// {sid, exp}, the MAC HMAC-SHA256 under a key derived from LAYERS_ADMIN_TOKEN. So a session is
// bound to the token it was signed in with: rotating the token signs every console out, with no
// table to clean. The CSRF token of a session is derived from it the same way (HMAC of its sid).

export const SESSION_COOKIE = 'layers_console';
export const SESSION_TTL_SECONDS = 8 * 3600; // a working day; then sign in again

export type Session = { sid: string; exp: number };

const b64 = (b: Buffer) => b.toString('base64url');

export function sessionKeys(adminToken: string) {
  const key = createHmac('sha256', adminToken).update('layers console session v1').digest();
  const mac = (s: string) => createHmac('sha256', key).update(s).digest();
  const same = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  return {
    issue(nowMs: number): { cookie: string; session: Session } {
      const session = { sid: b64(randomBytes(12)), exp: Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS };
      const payload = b64(Buffer.from(JSON.stringify(session)));
      return { cookie: `${payload}.${b64(mac(payload))}`, session };
    },
    /** The session a cookie value carries, or undefined: forged, signed under another token, or expired. */
    verify(value: string | undefined, nowMs: number): Session | undefined {
      const [payload, sig, extra] = (value ?? '').split('.');
      if (!payload || !sig || extra !== undefined || !same(sig, b64(mac(payload)))) return undefined;
      try {
        const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Session>;
        if (typeof s.sid !== 'string' || typeof s.exp !== 'number' || s.exp * 1000 <= nowMs) return undefined;
        return { sid: s.sid, exp: s.exp };
      } catch {
        return undefined;
      }
    },
    csrfToken: (session: Session) => b64(mac(`csrf:${session.sid}`)),
    csrfMatches: (session: Session, presented: unknown) =>
      typeof presented === 'string' && same(presented, b64(mac(`csrf:${session.sid}`))),
  };
}

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, Path=/console, Secure unless development. */
export function sessionCookie(value: string, opts: { secure: boolean; maxAge: number }) {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/console',
    `Max-Age=${opts.maxAge}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
