import WebSocket from 'ws';
import { z } from 'zod';
import { type PostRecordPayload, postRecordSchema } from './map-post.js';

/** One Jetstream event about a post: created (with its record) or deleted, at `timeUs`. */
export type JetstreamPostEvent =
  | { op: 'create'; timeUs: number; uri: string; did: string; record: PostRecordPayload; raw: unknown }
  | { op: 'delete'; timeUs: number; uri: string; did: string }
  | { op: 'malformed'; timeUs: number | undefined; reason: string };

const eventSchema = z.object({
  did: z.string().regex(/^did:[a-z0-9]+:[a-zA-Z0-9._:%-]+$/),
  time_us: z.number().int().positive(),
  kind: z.string(),
  commit: z
    .object({
      operation: z.enum(['create', 'update', 'delete']),
      collection: z.string(),
      rkey: z.string().min(1),
      record: z.unknown().optional(),
    })
    .optional(),
});

/**
 * One Jetstream message as a post event; other collections, identity and
 * account events are undefined (skipped); a message that does not parse is
 * `malformed` (counted and skipped by the reader). Updates are read as
 * creations: the store keeps the first text read and refreshes its figures.
 */
export function parseJetstreamMessage(text: string): JetstreamPostEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { op: 'malformed', timeUs: undefined, reason: 'not JSON' };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const t = (json as { time_us?: unknown } | null)?.time_us;
    return {
      op: 'malformed',
      timeUs: typeof t === 'number' ? t : undefined,
      reason: parsed.error.issues[0]?.message ?? 'invalid',
    };
  }
  const { did, time_us: timeUs, kind, commit } = parsed.data;
  if (kind !== 'commit' || !commit || commit.collection !== 'app.bsky.feed.post') return undefined;
  const uri = `at://${did}/app.bsky.feed.post/${commit.rkey}`;
  if (commit.operation === 'delete') return { op: 'delete', timeUs, uri, did };
  const record = postRecordSchema.safeParse(commit.record);
  if (!record.success)
    return { op: 'malformed', timeUs, reason: `record: ${record.error.issues[0]?.message ?? 'invalid'}` };
  return { op: 'create', timeUs, uri, did, record: record.data, raw: json };
}

export interface JetstreamConnection {
  close(): void;
}

/**
 * Subscribes to a Jetstream for post records from `cursorUs` (inclusive, as
 * Jetstream replays; undefined: live). `onOpen` once the Jetstream accepted
 * the stream; `onEvent` gets each post event in order; `onClose` once, when
 * the stream ends for any reason.
 */
export function openJetstream({
  url,
  cursorUs,
  onOpen,
  onEvent,
  onClose,
}: {
  url: string;
  cursorUs: number | undefined;
  onOpen?: () => void;
  onEvent: (e: JetstreamPostEvent) => void;
  onClose: (reason: string) => void;
}): JetstreamConnection {
  const u = new URL('/subscribe', url);
  u.searchParams.set('wantedCollections', 'app.bsky.feed.post');
  if (cursorUs !== undefined) u.searchParams.set('cursor', String(cursorUs));
  const ws = new WebSocket(u);
  let closed = false;
  const end = (reason: string) => {
    if (closed) return;
    closed = true;
    onClose(reason);
  };
  ws.on('open', () => onOpen?.());
  ws.on('message', (data) => {
    const e = parseJetstreamMessage(String(data));
    if (e) onEvent(e);
  });
  ws.on('unexpected-response', (_req, res) => {
    end(`HTTP ${res.statusCode}`);
    ws.terminate();
  });
  ws.on('error', (err) => end(err.message));
  ws.on('close', (code) => end(`closed (${code})`));
  return { close: () => ws.terminate() };
}
