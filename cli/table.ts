/** Aligns rows into columns (two spaces apart, last column unpadded), one line per row. */
export function table (rows: ReadonlyArray<readonly string[]>, indent = ''): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map(row => indent + row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n').join('')
}
