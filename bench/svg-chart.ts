/**
 * A line chart as a standalone SVG string, for benchmark results (no dependency): one or more
 * panels stacked vertically, each with its own y axis, sharing the x axis.
 */

/** One line of a panel. */
export interface Series {
  name: string
  /** [x, y] points, x ascending. */
  points: ReadonlyArray<readonly [number, number]>
  color: string
}

/** One panel: its y axis and lines, and an optional horizontal limit line. */
export interface Panel {
  yLabel: string
  series: readonly Series[]
  limit?: { y: number, label: string }
}

const WIDTH = 900
const PANEL_HEIGHT = 260
const MARGIN = { left: 70, right: 170, top: 40, bottom: 45 }

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fmt = (v: number): string => Math.abs(v) >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : Math.abs(v) >= 1e4 ? `${+(v / 1e3).toFixed(0)}k` : `${+v.toFixed(1)}`

/** A "nice" tick step for `range` split into about `count` steps. */
function tickStep (range: number, count: number): number {
  const raw = range / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag
}

/** Renders `panels` over a shared x axis labelled `xLabel`. */
export function lineChart (title: string, xLabel: string, panels: readonly Panel[]): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const height = MARGIN.top + panels.length * PANEL_HEIGHT + MARGIN.bottom
  const xs = panels.flatMap(p => p.series.flatMap(s => s.points.map(([x]) => x)))
  const xMin = Math.min(...xs)
  const xMax = Math.max(...xs, xMin + 1)
  const sx = (x: number): number => MARGIN.left + (x - xMin) / (xMax - xMin) * plotW
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`
  ]
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * PANEL_HEIGHT
    const plotH = PANEL_HEIGHT - 30
    const ys = panel.series.flatMap(s => s.points.map(([, y]) => y)).concat(panel.limit !== undefined ? [panel.limit.y] : [])
    const yMax = Math.max(...ys, 1) * 1.08
    const sy = (y: number): number => top + plotH - y / yMax * plotH
    out.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`)
    const step = tickStep(yMax, 5)
    for (let y = 0; y <= yMax; y += step) {
      out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`,
        `<text x="${MARGIN.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`)
    }
    out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(panel.yLabel)}</text>`)
    if (panel.limit !== undefined) {
      out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(panel.limit.y).toFixed(1)}" y2="${sy(panel.limit.y).toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`,
        `<text x="${MARGIN.left + plotW - 4}" y="${(sy(panel.limit.y) - 5).toFixed(1)}" text-anchor="end" fill="#c00">${esc(panel.limit.label)}</text>`)
    }
    panel.series.forEach((s, k) => {
      const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(' ')
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`)
      for (const [x, y] of s.points.length <= 12 ? s.points : []) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`)
      const ly = top + 14 + k * 18
      out.push(`<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
        `<text x="${WIDTH - MARGIN.right + 38}" y="${ly}">${esc(s.name)}</text>`)
    })
  })
  const bottom = MARGIN.top + panels.length * PANEL_HEIGHT - 30
  const step = tickStep(xMax - xMin, 8)
  for (let x = Math.ceil(xMin / step) * step; x <= xMax; x += step) {
    out.push(`<text x="${sx(x).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${fmt(x)}</text>`)
  }
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${bottom + 36}" text-anchor="middle">${esc(xLabel)}</text>`, '</svg>')
  return out.join('\n') + '\n'
}
