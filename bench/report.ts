/** The bench's output: a plain-text table per group of phases, and the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseResult } from './phase.ts';

/** A column: a measured phase, or the reason it was not measured. */
export interface Column {
  title: string;
  result?: PhaseResult;
  unsupported?: string;
}

const f = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

/** Digits enough to show small values (CPU ms of a cheap operation) without noise for big ones. */
const g = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '-'
    : value >= 100
      ? value.toFixed(0)
      : value >= 10
        ? value.toFixed(1)
        : value.toFixed(2);

type Row = [string, (r: PhaseResult) => string];

const ROWS: Row[] = [
  ['operations ok (failed)', (r) => `${r.ok} (${r.failures})`],
  ['seconds, concurrency', (r) => `${f(r.seconds, 1)} s, C=${r.concurrency}`],
  ['throughput (ops/s)', (r) => g(r.throughput)],
  ['latency p50 (ms)', (r) => g(r.latencyMs.p50)],
  ['latency p95 (ms)', (r) => g(r.latencyMs.p95)],
  ['latency p99 (ms)', (r) => g(r.latencyMs.p99)],
  [
    'provider CPU s (node + db)',
    (r) =>
      `${g(r.provider.cpuSeconds)} (${g(r.provider.nodeCpuSeconds)} + ${g(r.provider.dbCpuSeconds)})`,
  ],
  ['ops per provider CPU-second', (r) => g(r.provider.opsPerCpuSecond)],
  [
    'provider CPU ms per op (node + db)',
    (r) =>
      `${g(r.provider.cpuMsPerOp)} (${g(r.provider.nodeCpuMsPerOp)} + ${g(r.provider.dbCpuMsPerOp)})`,
  ],
  [
    'peak RSS MiB (node + db)',
    (r) =>
      `${f(r.provider.peakRssMiB)} (${f(r.provider.nodePeakRssMiB)} + ${f(r.provider.dbPeakRssMiB)})`,
  ],
  ['driver CPU s (ms per op)', (r) => `${g(r.driver.cpuSeconds)} (${g(r.driver.cpuMsPerOp)})`],
  ['other processes CPU s', (r) => g(r.otherCpuSeconds)],
  ['HTTP requests per op', (r) => f(r.httpRequestsPerOp, 1)],
  [
    'waited for a TOTP step (s)',
    (r) =>
      r.totpWaitSeconds === undefined
        ? ''
        : `${f(r.totpWaitSeconds, 1)}${r.totpStarvedWorkers ? ` + ${r.totpStarvedWorkers} stopped` : ''}`,
  ],
  [
    'step p50 ms (page/pwd/code/token)',
    (r) =>
      Object.keys(r.stepsP50Ms).length
        ? Object.values(r.stepsP50Ms)
            .map((v) => f(v))
            .join('/')
        : '',
  ],
];

/** A table: one row per measure, one column per phase (or per database size). */
export function table(heading: string, columns: Column[]): string {
  const header = ['', ...columns.map((c) => c.title)];
  const body: string[][] = [
    ['status', ...columns.map((c) => c.unsupported ?? (c.result?.failures ? 'FAILURES' : 'ok'))],
  ];
  for (const [label, cell] of ROWS) {
    const cells = columns.map((c) => (c.result ? cell(c.result) : ''));
    if (cells.some((x) => x !== '')) body.push([label, ...cells]);
  }
  const widths = header.map((_, i) =>
    Math.max(...[header, ...body].map((row) => (row[i] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [heading, line(header), ...body.map(line)];
  for (const c of columns)
    for (const e of c.result?.errors ?? []) out.push(`  ${c.title} error: ${e}`);
  for (const c of columns) for (const n of c.result?.notes ?? []) out.push(`  ${c.title}: ${n}`);
  return out.join('\n');
}

/** CPU ms per operation across database sizes, with the ratio to the first size. */
export function costBySize(phases: { phase: string; columns: Column[] }[]): string {
  const titles = phases[0]?.columns.map((c) => c.title) ?? [];
  const rows = phases.map(({ phase, columns }) => {
    const base = columns[0]?.result?.provider.cpuMsPerOp ?? null;
    return [
      `${phase}: provider CPU ms per op`,
      ...columns.map((c) => {
        const v = c.result?.provider.cpuMsPerOp ?? null;
        if (v === null) return c.unsupported ?? '-';
        return base ? `${g(v)} (${(v / base).toFixed(2)}x)` : g(v);
      }),
    ];
  });
  const header = ['', ...titles];
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return ['Cost per operation by size of the database', line(header), ...rows.map(line)].join('\n');
}

/**
 * Writes the JSON result. Formatted with the project's prettier settings so that `npm run lint`
 * (prettier --check .) stays green with result files present; bench/.gitignore keeps them out of git.
 */
export async function writeJson(dir: string, result: unknown): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  let text = `${JSON.stringify(result, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    text = await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    // prettier missing: the plain JSON is still valid
  }
  writeFileSync(path, text);
  return path;
}

/** Documents per collection at each size (collections empty everywhere left out). */
export function documentsTable(
  columns: { title: string; counts: Record<string, number> }[],
): string {
  const names = [...new Set(columns.flatMap((c) => Object.keys(c.counts)))]
    .filter((name) => columns.some((c) => c.counts[name]))
    .sort();
  const header = ['collection', ...columns.map((c) => c.title)];
  const rows = names.map((name) => [name, ...columns.map((c) => String(c.counts[name] ?? 0))]);
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [
    'Documents per collection before the phases of each size',
    line(header),
    ...rows.map(line),
  ].join('\n');
}
