-- Media metadata per content item (docs/platform-rules.md): what the partner declared at upload
-- (contentType, sizeBytes, durationMs, width, height) and what a HEAD/range read of the URL said.
-- A JSON array in `media`'s order; NULL for content uploaded before it (nothing known).
ALTER TABLE content_containers ADD COLUMN media_details jsonb;
