import { type CsvCell, toCsv } from '@tagpulse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

export function sendCsv(reply: FastifyReply, columns: string[], rows: CsvCell[][]): FastifyReply {
  return sendText(reply, CSV_TYPE, toCsv(columns, rows));
}
