// pg-copy-streams ships no types; only the part tasklog uses (COPY … TO STDOUT).
declare module 'pg-copy-streams' {
  import type { Readable } from 'node:stream';
  import type { Submittable } from 'pg';
  /** a query for pg's client.query(): the COPY's data as a readable byte stream */
  export function to(text: string): Submittable & Readable;
}
