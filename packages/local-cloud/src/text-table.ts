/**
 * The plain-text tables the CLI prints (`up --verbose`, `schedules`): one module, so every
 * table looks alike.
 *
 * Guarantees: each line is indented two spaces, columns are as wide as their widest cell
 * and two spaces apart, a rule of dashes follows the first (header) row, and no line ends
 * in white space. A well-kept npm table library was weighed: text-table has no header rule
 * and is unmaintained, cli-table3 draws borders; this is twelve lines.
 */

/** The rows as table lines; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines: string[] = [];
  for (const [index, row] of rows.entries()) {
    lines.push(
      `  ${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}`,
    );
    if (index === 0) lines.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
  return lines;
}
