/** The one exporter behind --json (and, later, jsonl/csv): data in, text on stdout. */
import type { Ctx } from '../cli/io.js';

export function writeJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function writeLines(ctx: Ctx, lines: string[]): void {
  ctx.stdout.write(lines.join('\n') + '\n');
}
