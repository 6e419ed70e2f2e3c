import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { ContentContainersTable } from '../db/schema.js';

/** A content container as the wire shows it, with its approval state (docs/content-and-publishing.md). */
export function containerView(c: Selectable<ContentContainersTable>) {
  return {
    id: c.id,
    projectId: c.project_id,
    status: c.status,
    creativeType: c.creative_type,
    media: c.media as string[],
    caption: c.caption,
    approvalStatus: c.approval_status,
    approvalDecidedAt: toWire(c.approval_decided_at),
    approvalNote: c.approval_note,
    rejectionReason: c.rejection_reason,
    createdAt: toWire(c.created_at),
    updatedAt: toWire(c.updated_at),
  };
}
