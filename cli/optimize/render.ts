import type { StrategyName } from '#cost-domain/recommendation';
import type { CostReport } from '#cost-domain/report';
import type { AppliedChange } from './apply';

/** The recommendation table, its reasons and a footer with the totals and the price table used. */
export function renderTable(report: CostReport, strategy: StrategyName): string {
  const result = report.strategies.find((s) => s.strategy === strategy);
  const recs = result?.recommendations ?? [];
  if (recs.length === 0) return `No functions found in ${report.source}.\n`;
  const header = ['Function', 'Memory MB', 'p50 ms', 'p90 ms', 'Cost per 1M', 'Saving/month'];
  const rows = recs.map((r) => [
    r.functionName,
    r.change === 'keep' ? `${r.currentMemoryMb} (keep)` : `${r.currentMemoryMb} → ${r.proposedMemoryMb}`,
    ms(r.p50Ms),
    ms(r.p90Ms),
    r.costPerMillionNow === undefined ? '-' : `${money(r.costPerMillionNow)} → ${money(r.costPerMillionAfter)}`,
    r.change === 'keep' ? '-' : money(r.monthlySaving),
  ]);
  const numeric = new Set([2, 3, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  out.push(`Why (${strategy}):`);
  for (const r of recs) out.push(`  ${r.functionName}: ${r.reason}`);
  out.push('');
  out.push(
    `Source ${report.source}, window ${round(report.windowHours)} h; prices ${report.pricing.region} as of ${report.pricing.asOf}. ` +
      `Net saving if applied: ${money(result?.netMonthlySaving ?? 0)} a month at the observed rate.`,
  );
  return `${out.join('\n')}\n`;
}

export function renderApplied(applied: readonly AppliedChange[]): string {
  return `${applied
    .map((a) => (a.ok ? `Updated ${a.functionName}: ${a.fromMb} MB -> ${a.toMb} MB` : `Failed ${a.functionName}: ${a.error}`))
    .join('\n')}\n`;
}

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function money(value: number | undefined): string {
  if (value === undefined) return '-';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}$${abs !== 0 && abs < 1 ? abs.toFixed(4) : abs.toFixed(2)}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
