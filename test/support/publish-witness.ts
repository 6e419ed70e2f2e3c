import assert from 'node:assert/strict';
import type { SandboxCall } from '../../src/platforms/sandbox/state.js';
import type { PlatformAdapter, PlatformAdapters } from '../../src/platforms/types.js';
import { isPlatformError } from '../../src/platforms/types.js';

// The sandbox's call log as the witness of "published exactly once". When a publish's answer is
// lost (outcomeUnknown) the platform is asked before anything is sent again; a post it does not
// have is sent again later. So a post may be sent once more per lost answer, never otherwise: the
// adapters note every lost answer, and each extra send must be explained by one. The races run
// with the sandbox ignoring idempotency keys (as real platforms do), so a needless re-send would
// show as a second post, not hide behind a replayed answer.

/** The adapters, wrapped to count per idempotency key the publishes whose answer was lost. */
export function noteLostAnswers(adapters: PlatformAdapters) {
  const lost = new Map<string, number>();
  const wrap = (a: PlatformAdapter): PlatformAdapter => ({
    ...a,
    publish: (token, post, key) =>
      a.publish(token, post, key).catch((err: unknown) => {
        if (isPlatformError(err) && err.outcomeUnknown) lost.set(key, (lost.get(key) ?? 0) + 1);
        throw err;
      }),
  });
  return { adapters: { tiktok: wrap(adapters.tiktok), instagram: wrap(adapters.instagram) }, lost };
}

/** Calls on which the platform made a post: it answered (or would have) with an id, not a replay. */
export const createdPost = (c: SandboxCall) => c.externalId !== undefined && !c.replayed;

/**
 * `published`: posts we recorded published (with the platform's id); `unsent`: every other post
 * of the run. Each published post is on the platform exactly once with the id we stored, sent once
 * plus at most once per lost answer, every send answered with that same post; no other post sent.
 */
export function assertPublishedOnce(
  calls: readonly SandboxCall[],
  published: readonly { id: string; external_id: string | null }[],
  unsent: readonly { id: string; status: string }[],
  lost: ReadonlyMap<string, number>,
) {
  const byKey = new Map<string, SandboxCall[]>();
  for (const c of calls) byKey.set(c.idempotencyKey!, [...(byKey.get(c.idempotencyKey!) ?? []), c]);
  const created = calls.filter(createdPost);
  assert.equal(
    created.length,
    published.length,
    `one post on the platform per published post, none for the others (${calls.length} calls, ${lost.size} answers lost)`,
  );
  for (const p of published) {
    const sent = byKey.get(p.id) ?? [];
    const show = JSON.stringify({ post: p, lost: lost.get(p.id) ?? 0, calls: sent });
    assert.equal(sent.filter(createdPost).length, 1, `published ${p.id} was made once by the platform: ${show}`);
    assert.ok(sent.length <= 1 + (lost.get(p.id) ?? 0), `no post was sent twice but to learn a lost answer: ${show}`);
    assert.deepEqual(
      [...new Set(sent.map((c) => c.externalId))],
      [p.external_id],
      `every send of ${p.id} was answered with the post we stored: ${show}`,
    );
  }
  for (const p of unsent) assert.deepEqual(byKey.get(p.id) ?? [], [], `${p.status} ${p.id} never reached the platform`);
}
