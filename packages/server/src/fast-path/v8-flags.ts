/**
 * The V8 flags a Gatehouse server process is started with. Node reads them at start only
 * (changing them later with `v8.setFlagsFromString` is documented as unsafe), so whatever
 * starts a server passes them: the `start` script, the `gatehouse` launcher's first line and
 * the cluster's workers (`withV8Flags`); a test checks that those agree with this list.
 *
 * `--heap-growing-percent=50`: after each full GC, the old generation may grow by half of what
 * survived, not up to 4×. Requests waiting on PostgreSQL survive young-generation GCs and fill
 * the old generation with garbage; with the smaller growth the process stays about a third
 * smaller under load, at the same throughput (README, "Memory").
 *
 * `--max-semi-space-size=16` (MiB): Node 24's V8 lets the young generation grow to 64 MiB
 * (Node 20's: 32); capped, the server stays under its resident-memory goal at the same
 * throughput (BENCHMARKS.md, "Node 24 against Node 20").
 */
export const V8_FLAGS: readonly string[] = ['--heap-growing-percent=50', '--max-semi-space-size=16'];

/** The flag's name, e.g. `--heap-growing-percent` (V8 accepts `-` and `_` alike). */
const flagName = (flag: string): string => flag.split('=')[0]!.replace(/_/g, '-');

/**
 * `execArgv` with Gatehouse's V8 flags added, except those the operator set (an operator's own
 * `node --heap-growing-percent=N` wins).
 */
export function withV8Flags(execArgv: readonly string[]): string[] {
  const given = new Set(execArgv.map(flagName));
  return [...V8_FLAGS.filter((flag) => !given.has(flagName(flag))), ...execArgv];
}
