import type { FastifyReply, FastifyRequest } from 'fastify';

type Cell = string | number | boolean | null | undefined;

/**
 * RFC 4180 CSV. Strings are always quoted, so ids (strings end to end: they
 * exceed 2^53) stay text in a spreadsheet; numbers are left bare.
 */
export function toCsv(columns: string[], rows: Cell[][]): string {
  const cell = (v: Cell) =>
    v === null || v === undefined ? '' : typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v);
  return `${[columns.map(cell), ...rows.map((r) => r.map(cell))].map((line) => line.join(',')).join('\r\n')}\r\n`;
}

/** CSV when asked by `format=csv`, or by `Accept: text/csv` without a `format`. */
export function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'csv';
  return (request.headers.accept ?? '').includes('text/csv');
}

/** Sends a text body (CSV, NDJSON) past the route's JSON response schema. */
export function sendText(reply: FastifyReply, contentType: string, body: string | Buffer): FastifyReply {
  return reply.type(contentType).send(body);
}

export const CSV_TYPE = 'text/csv; charset=utf-8';

export function sendCsv(reply: FastifyReply, columns: string[], rows: Cell[][]): FastifyReply {
  return sendText(reply, CSV_TYPE, toCsv(columns, rows));
}
