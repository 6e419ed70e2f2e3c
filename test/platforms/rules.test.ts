import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPost, type MediaFacts, RULE_PACKS } from '../../src/platforms/rules/index.js';

// The rule packs as tables: each limit of each platform and mode, with a value at the limit (no
// issue) and one just past it (the issue, with its limit and actual value). Pure functions: run once.

const MiB = 1024 * 1024;
type Facts = Partial<Omit<MediaFacts, 'probe'>> & { probe?: Partial<MediaFacts['probe']> };

const item = (url: string, f: Facts = {}): MediaFacts => ({
  url,
  contentType: null,
  sizeBytes: null,
  durationMs: null,
  width: null,
  height: null,
  ...f,
  probe: { probed: false, contentType: null, sizeBytes: null, ...f.probe },
});
const VIDEO = 'https://cdn.example.com/clip.mp4';
const IMAGE = 'https://cdn.example.com/photo.jpg';
// Everything a TikTok video / Instagram reel needs declared, well inside every limit.
const goodVideo = (f: Facts = {}) =>
  item(VIDEO, { contentType: 'video/mp4', sizeBytes: 10 * MiB, durationMs: 15_000, width: 1080, height: 1920, ...f });
const goodImage = (f: Facts = {}) =>
  item(IMAGE, { contentType: 'image/jpeg', sizeBytes: MiB, width: 1080, height: 1080, ...f });

function check(
  platform: 'tiktok' | 'instagram',
  mode: 'publish' | 'draft',
  media: MediaFacts[],
  caption: string | null = null,
) {
  return checkPost(RULE_PACKS[platform], { mode, caption, captionPath: 'caption', modePath: 'targets.0.mode', media });
}
const codes = (r: ReturnType<typeof check>) => r.issues.map((i) => [i.code, i.path, i.limit, i.actual]);

/** `ok` passes with no issue; `bad` gives exactly the one issue [code, path, limit, actual]. */
function boundary(
  platform: 'tiktok' | 'instagram',
  mode: 'publish' | 'draft',
  ok: { media: MediaFacts[]; caption?: string },
  bad: { media: MediaFacts[]; caption?: string },
  issue: unknown[],
) {
  const good = check(platform, mode, ok.media, ok.caption ?? null);
  assert.deepEqual(codes(good), [], JSON.stringify(good.issues));
  const broken = check(platform, mode, bad.media, bad.caption ?? null);
  assert.deepEqual(codes(broken), [issue], JSON.stringify(broken.issues));
}

describe('platform rule packs', () => {
  it('each pack names its version; an issue carries code, path, limit, actual, platform, rulesVersion, message', () => {
    assert.match(RULE_PACKS.tiktok.rulesVersion, /^tiktok-\d{4}-\d{2}-\d{2}$/);
    assert.match(RULE_PACKS.instagram.rulesVersion, /^instagram-\d{4}-\d{2}-\d{2}$/);
    const r = check('tiktok', 'publish', [goodVideo({ sizeBytes: 4 * 1024 * MiB + 1 })]);
    assert.deepEqual(r.issues, [
      {
        code: 'MEDIA_TOO_LARGE',
        path: 'media.0.sizeBytes',
        limit: 4 * 1024 * MiB,
        actual: 4 * 1024 * MiB + 1,
        platform: 'tiktok',
        rulesVersion: RULE_PACKS.tiktok.rulesVersion,
        message: `at most ${4 * 1024 * MiB} bytes`,
      },
    ]);
    assert.deepEqual(r.warnings, []);
  });

  describe('TikTok video (publish: direct post; draft: inbox upload)', () => {
    for (const mode of ['publish', 'draft'] as const) {
      it(`${mode}: size 4 GiB, duration 10 min, width and height 360–4096 px, MP4/WebM/MOV, exactly one video`, () => {
        const lim = (f: Facts, bad: Facts, issue: unknown[]) =>
          boundary('tiktok', mode, { media: [goodVideo(f)] }, { media: [goodVideo(bad)] }, issue);
        lim({ sizeBytes: 4 * 1024 * MiB }, { sizeBytes: 4 * 1024 * MiB + 1 }, [
          'MEDIA_TOO_LARGE',
          'media.0.sizeBytes',
          4 * 1024 * MiB,
          4 * 1024 * MiB + 1,
        ]);
        lim({ durationMs: 600_000 }, { durationMs: 600_001 }, [
          'MEDIA_TOO_LONG',
          'media.0.durationMs',
          600_000,
          600_001,
        ]);
        lim({ width: 360 }, { width: 359 }, ['RESOLUTION_TOO_LOW', 'media.0.width', 360, 359]);
        lim({ height: 360 }, { height: 359 }, ['RESOLUTION_TOO_LOW', 'media.0.height', 360, 359]);
        lim({ width: 4096, height: 4096 }, { width: 4097, height: 4096 }, [
          'RESOLUTION_TOO_HIGH',
          'media.0.width',
          4096,
          4097,
        ]);
        lim({ height: 4096 }, { height: 4097 }, ['RESOLUTION_TOO_HIGH', 'media.0.height', 4096, 4097]);
        lim({ contentType: 'video/webm' }, { contentType: 'video/x-msvideo' }, [
          'MEDIA_TYPE_UNSUPPORTED',
          'media.0.contentType',
          ['video/mp4', 'video/webm', 'video/quicktime'],
          'video/x-msvideo',
        ]);
        lim({ contentType: 'Video/QuickTime; codecs=hvc1' }, { contentType: 'image/jpeg' }, [
          'MEDIA_TYPE_UNSUPPORTED',
          'media.0.contentType',
          ['video/mp4', 'video/webm', 'video/quicktime'],
          'image/jpeg',
        ]);
        boundary('tiktok', mode, { media: [goodVideo()] }, { media: [goodVideo(), goodVideo()] }, [
          'MEDIA_COUNT_OUT_OF_RANGE',
          'media',
          { min: 1, max: 1 },
          2,
        ]);
        assert.equal(check('tiktok', mode, [goodVideo()]).format, 'video');
      });
    }

    it('publish: the caption is the title, ≤ 2,200 UTF-16 units (an emoji counts 2)', () => {
      const media = [goodVideo()];
      boundary('tiktok', 'publish', { media, caption: 'x'.repeat(2200) }, { media, caption: 'x'.repeat(2201) }, [
        'CAPTION_TOO_LONG',
        'caption',
        2200,
        2201,
      ]);
      boundary('tiktok', 'publish', { media, caption: '😀'.repeat(1100) }, { media, caption: '😀'.repeat(1101) }, [
        'CAPTION_TOO_LONG',
        'caption',
        2200,
        2202,
      ]);
    });

    it('draft: no caption is sent to the inbox — a caption of any length is a warning, not an issue', () => {
      const r = check('tiktok', 'draft', [goodVideo()], 'y'.repeat(5000));
      assert.deepEqual(r.issues, []);
      assert.deepEqual(
        r.warnings.map((w) => [w.code, w.path]),
        [['CAPTION_NOT_SENT', 'caption']],
      );
      assert.deepEqual(check('tiktok', 'draft', [goodVideo()]).warnings, []);
    });
  });

  describe('TikTok photo (every URL a .jpg/.jpeg/.webp, as the adapter decides)', () => {
    for (const mode of ['publish', 'draft'] as const) {
      it(`${mode}: 1–35 images, JPEG/WebP, 20 MiB each, caption (title) ≤ 90 UTF-16 units`, () => {
        const photos = (n: number, f: Facts = {}) => Array.from({ length: n }, () => goodImage(f));
        assert.equal(check('tiktok', mode, photos(2)).format, 'photo');
        boundary('tiktok', mode, { media: photos(35) }, { media: photos(36) }, [
          'MEDIA_COUNT_OUT_OF_RANGE',
          'media',
          { min: 1, max: 35 },
          36,
        ]);
        boundary(
          'tiktok',
          mode,
          { media: photos(1, { sizeBytes: 20 * MiB }) },
          { media: photos(1, { sizeBytes: 20 * MiB + 1 }) },
          ['MEDIA_TOO_LARGE', 'media.0.sizeBytes', 20 * MiB, 20 * MiB + 1],
        );
        boundary(
          'tiktok',
          mode,
          { media: photos(1, { contentType: 'image/webp' }) },
          { media: photos(1, { contentType: 'image/png' }) },
          ['MEDIA_TYPE_UNSUPPORTED', 'media.0.contentType', ['image/jpeg', 'image/webp'], 'image/png'],
        );
        boundary(
          'tiktok',
          mode,
          { media: photos(1), caption: 'p'.repeat(90) },
          { media: photos(1), caption: 'p'.repeat(91) },
          ['CAPTION_TOO_LONG', 'caption', 90, 91],
        );
      });
    }

    it('a .png URL is sent as a video (TikTok photos are JPEG/WebP only): one video, so a second item is an issue', () => {
      const png = item('https://cdn.example.com/a.png');
      assert.equal(check('tiktok', 'publish', [png]).format, 'video');
      assert.deepEqual(codes(check('tiktok', 'publish', [goodImage(), png])), [
        ['MEDIA_COUNT_OUT_OF_RANGE', 'media', { min: 1, max: 1 }, 2],
        ['MEDIA_TYPE_UNSUPPORTED', 'media.0.contentType', ['video/mp4', 'video/webm', 'video/quicktime'], 'image/jpeg'],
      ]);
    });
  });

  describe('Instagram reel (one video)', () => {
    const lim = (f: Facts, bad: Facts, issue: unknown[]) =>
      boundary('instagram', 'publish', { media: [goodVideo(f)] }, { media: [goodVideo(bad)] }, issue);
    it('size 300 MiB, duration 3 s–15 min, MP4/MOV', () => {
      assert.equal(check('instagram', 'publish', [goodVideo()]).format, 'reel');
      lim({ sizeBytes: 300 * MiB }, { sizeBytes: 300 * MiB + 1 }, [
        'MEDIA_TOO_LARGE',
        'media.0.sizeBytes',
        300 * MiB,
        300 * MiB + 1,
      ]);
      lim({ durationMs: 3_000 }, { durationMs: 2_999 }, ['MEDIA_TOO_SHORT', 'media.0.durationMs', 3_000, 2_999]);
      lim({ durationMs: 900_000 }, { durationMs: 900_001 }, ['MEDIA_TOO_LONG', 'media.0.durationMs', 900_000, 900_001]);
      lim({ contentType: 'video/quicktime' }, { contentType: 'video/webm' }, [
        'MEDIA_TYPE_UNSUPPORTED',
        'media.0.contentType',
        ['video/mp4', 'video/quicktime'],
        'video/webm',
      ]);
    });
    it('aspect ratio 0.01:1–10:1 (9:16 only recommended), width ≤ 1920 px', () => {
      lim({ width: 1, height: 100 }, { width: 1, height: 101 }, [
        'ASPECT_RATIO_OUT_OF_RANGE',
        'media.0.width',
        { min: 0.01, max: 10 },
        0.0099,
      ]);
      lim({ width: 1000, height: 100 }, { width: 1001, height: 100 }, [
        'ASPECT_RATIO_OUT_OF_RANGE',
        'media.0.width',
        { min: 0.01, max: 10 },
        10.01,
      ]);
      lim({ width: 1920, height: 1080 }, { width: 1921, height: 1080 }, [
        'RESOLUTION_TOO_HIGH',
        'media.0.width',
        1920,
        1921,
      ]);
    });
  });

  describe('Instagram feed (one image, or a carousel of 2–10)', () => {
    const lim = (f: Facts, bad: Facts, issue: unknown[]) =>
      boundary('instagram', 'publish', { media: [goodImage(f)] }, { media: [goodImage(bad)] }, issue);
    it('image: JPEG only, 8 MiB, aspect ratio 4:5–1.91:1, width 320–1440 px', () => {
      assert.equal(check('instagram', 'publish', [goodImage()]).format, 'feed');
      lim({ sizeBytes: 8 * MiB }, { sizeBytes: 8 * MiB + 1 }, [
        'MEDIA_TOO_LARGE',
        'media.0.sizeBytes',
        8 * MiB,
        8 * MiB + 1,
      ]);
      lim({ contentType: 'image/jpeg' }, { contentType: 'image/png' }, [
        'MEDIA_TYPE_UNSUPPORTED',
        'media.0.contentType',
        ['image/jpeg'],
        'image/png',
      ]);
      lim({ width: 1080, height: 1350 }, { width: 1079, height: 1350 }, [
        'ASPECT_RATIO_OUT_OF_RANGE',
        'media.0.width',
        { min: 0.8, max: 1.91 },
        0.7993,
      ]);
      lim({ width: 1146, height: 600 }, { width: 1147, height: 600 }, [
        'ASPECT_RATIO_OUT_OF_RANGE',
        'media.0.width',
        { min: 0.8, max: 1.91 },
        1.9117,
      ]);
      lim({ width: 320, height: 320 }, { width: 319, height: 319 }, ['RESOLUTION_TOO_LOW', 'media.0.width', 320, 319]);
      lim({ width: 1440, height: 1440 }, { width: 1441, height: 1441 }, [
        'RESOLUTION_TOO_HIGH',
        'media.0.width',
        1440,
        1441,
      ]);
    });
    it('carousel: up to 10 items; its videos meet the reel limits', () => {
      const images = (n: number) => Array.from({ length: n }, () => goodImage());
      boundary('instagram', 'publish', { media: images(10) }, { media: images(11) }, [
        'MEDIA_COUNT_OUT_OF_RANGE',
        'media',
        { min: 1, max: 10 },
        11,
      ]);
      boundary(
        'instagram',
        'publish',
        { media: [goodImage(), goodVideo({ durationMs: 3_000 })] },
        { media: [goodImage(), goodVideo({ durationMs: 2_999 })] },
        ['MEDIA_TOO_SHORT', 'media.1.durationMs', 3_000, 2_999],
      );
      assert.equal(check('instagram', 'publish', [goodImage(), goodVideo()]).format, 'feed');
    });
    it('caption: 2,200 characters (code points), 30 hashtags, 20 mentions', () => {
      const media = [goodImage()];
      boundary('instagram', 'publish', { media, caption: '😀'.repeat(2200) }, { media, caption: '😀'.repeat(2201) }, [
        'CAPTION_TOO_LONG',
        'caption',
        2200,
        2201,
      ]);
      const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(' ');
      boundary(
        'instagram',
        'publish',
        { media, caption: `Launch ${tags(30)} mail@x.com` },
        { media, caption: tags(31) },
        ['HASHTAG_LIMIT_EXCEEDED', 'caption', 30, 31],
      );
      const at = (n: number) => Array.from({ length: n }, (_, i) => `@user.${i}`).join(' ');
      boundary('instagram', 'publish', { media, caption: `${at(20)} write to a@b.com` }, { media, caption: at(21) }, [
        'MENTION_LIMIT_EXCEEDED',
        'caption',
        20,
        21,
      ]);
    });
  });

  it('Instagram has no drafts through the API: a draft target is refused at its mode, whatever the media', () => {
    for (const media of [[goodVideo()], [goodImage()]]) {
      assert.deepEqual(codes(check('instagram', 'draft', media)), [
        ['MODE_UNSUPPORTED', 'targets.0.mode', ['publish'], 'draft'],
      ]);
    }
  });

  describe('declared and probed metadata', () => {
    it('the probed size wins and a declared size that disagrees is an issue of its own', () => {
      const r = check('tiktok', 'publish', [
        goodImage({ sizeBytes: 1_000, probe: { probed: true, sizeBytes: 20 * MiB + 1 } }),
      ]);
      assert.deepEqual(codes(r), [
        ['MEDIA_SIZE_MISMATCH', 'media.0.sizeBytes', 20 * MiB + 1, 1_000],
        ['MEDIA_TOO_LARGE', 'media.0.sizeBytes', 20 * MiB, 20 * MiB + 1],
      ]);
      const same = check('tiktok', 'publish', [
        goodImage({ sizeBytes: 1_000, probe: { probed: true, sizeBytes: 1_000 } }),
      ]);
      assert.deepEqual(codes(same), []);
      const probedOnly = check('tiktok', 'publish', [
        goodImage({ sizeBytes: null, probe: { probed: true, sizeBytes: 5 } }),
      ]);
      assert.deepEqual([codes(probedOnly), probedOnly.warnings], [[], []], 'a probed size is a known size');
    });

    it('a probed image/* or video/* type wins over the declared one (mismatch is an issue); octet-stream says nothing', () => {
      const r = check('instagram', 'publish', [goodVideo({ probe: { probed: true, contentType: 'video/webm' } })]);
      assert.deepEqual(codes(r), [
        ['MEDIA_TYPE_MISMATCH', 'media.0.contentType', 'video/webm', 'video/mp4'],
        ['MEDIA_TYPE_UNSUPPORTED', 'media.0.contentType', ['video/mp4', 'video/quicktime'], 'video/webm'],
      ]);
      const generic = check('instagram', 'publish', [
        goodVideo({ probe: { probed: true, contentType: 'application/octet-stream' } }),
      ]);
      assert.deepEqual([codes(generic), generic.warnings], [[], []]);
    });

    it('unknown metadata is not an issue: each check that could not be made is a warning', () => {
      const reel = check('instagram', 'publish', [item(VIDEO)], 'Hi');
      assert.deepEqual(reel.issues, []);
      assert.deepEqual(
        reel.warnings.map((w) => [w.code, w.path, w.platform]),
        [
          ['UNKNOWN_CONTENT_TYPE', 'media.0.contentType', 'instagram'],
          ['UNKNOWN_SIZE', 'media.0.sizeBytes', 'instagram'],
          ['UNKNOWN_DURATION', 'media.0.durationMs', 'instagram'],
          ['UNKNOWN_DIMENSIONS', 'media.0.width', 'instagram'],
        ],
      );
      const photo = check('tiktok', 'publish', [item(IMAGE)]);
      assert.deepEqual(
        photo.warnings.map((w) => w.code),
        ['UNKNOWN_CONTENT_TYPE', 'UNKNOWN_SIZE'],
        'TikTok photos have no duration or dimension rule to miss',
      );
    });
  });
});
