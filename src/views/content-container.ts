import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { ContentContainersTable } from '../db/schema.js';
import type { MediaFacts } from '../platforms/rules/index.js';

export type MediaDetail = MediaFacts & { probe: MediaFacts['probe'] & { note: string } };

/** Per media item, what is known (docs/platform-rules.md); content from before migration 0019 knows nothing. */
export function mediaDetailsOf(c: Pick<Selectable<ContentContainersTable>, 'media' | 'media_details'>): MediaDetail[] {
  if (c.media_details) return c.media_details as MediaDetail[]; // jsonb: parsed by both drivers
  return (c.media as string[]).map((url) => ({
    url,
    contentType: null,
    sizeBytes: null,
    durationMs: null,
    width: null,
    height: null,
    probe: { probed: false, contentType: null, sizeBytes: null, note: 'uploaded before media metadata was kept' },
  }));
}

/** A content container as the wire shows it, with its approval state (docs/content-and-publishing.md). */
export function containerView(c: Selectable<ContentContainersTable>) {
  return {
    id: c.id,
    projectId: c.project_id,
    status: c.status,
    creativeType: c.creative_type,
    media: c.media as string[],
    mediaDetails: mediaDetailsOf(c),
    caption: c.caption,
    approvalStatus: c.approval_status,
    approvalDecidedAt: toWire(c.approval_decided_at),
    approvalNote: c.approval_note,
    rejectionReason: c.rejection_reason,
    createdAt: toWire(c.created_at),
    updatedAt: toWire(c.updated_at),
  };
}
