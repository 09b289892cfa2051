import type { Io } from './io.js';

export type Column<T> = [header: string, value: (row: T) => unknown];

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(', ') || '-';
  return String(v);
};

/** A plain aligned table (no colours, so that it pipes cleanly into grep and less). */
export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const cells = rows.map((r) => columns.map(([, f]) => cell(f(r)).replace(/\s+/g, ' ')));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map(([h]) => h.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

/** `key: value` lines for one object. */
export function details(pairs: ReadonlyArray<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join('\n') + '\n';
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** "Not used", "2026-06-01 10:00Z": dates as people read them in a table. */
export const when = (iso: string | null | undefined, none = '-'): string => (iso ? iso.replace('T', ' ').replace(/:\d\dZ$/, 'Z') : none);

/**
 * A progress line on stderr while paging through a list — only when stderr is a terminal,
 * so that scripts and pipes see clean output.
 */
export function progress(io: Io, what: string): { update(done: number, total: number): void; done(): void } {
  const tty = io.stderr.isTTY === true;
  let shown = false;
  return {
    update(done, total) {
      if (!tty) return;
      shown = true;
      io.stderr.write(`\r\x1b[2KFetching ${what}… ${done}/${total}`);
    },
    done() {
      if (tty && shown) io.stderr.write('\r\x1b[2K');
    },
  };
}
