/** The dashboard's own stylesheet and script (served from /static; no inline code, no CDN). */

/** `/static/dashboard.css`. */
export const DASHBOARD_CSS = `
:root { --fg: #1d232b; --muted: #5d6875; --line: #d9dee4; --accent: #0b63c5; --bad: #b42318; --ok: #067647; --bg: #fff; --head: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
body > header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #14202e; color: #fff; }
body > header nav a { color: #c9d6e5; margin-right: 1rem; text-decoration: none; }
body > header nav a.current, body > header nav a:hover { color: #fff; border-bottom: 2px solid #6cb2ff; }
.mode { margin-left: auto; font-size: 12px; padding: .15rem .5rem; border-radius: 3px; }
.mode.readonly { background: #31465c; } .mode.actions { background: #9a3412; }
main { padding: 1rem 1.2rem; max-width: 1400px; }
footer { padding: .6rem 1.2rem; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: .3rem 0 1rem; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.flash { background: #ecfdf3; border: 1px solid #abefc6; padding: .5rem .8rem; }
.error, .dlq-error { color: var(--bad); }
.badge { font-size: 11px; padding: .05rem .4rem; border-radius: 3px; background: var(--head); border: 1px solid var(--line); font-weight: normal; }
.badge.running { background: #ecfdf3; color: var(--ok); } .badge.gone, .badge.stopped { background: #fef3f2; color: var(--bad); }
section.process { border: 1px solid var(--line); border-radius: 4px; padding: .2rem 1rem; margin-bottom: 1rem; }
section.process.gone { opacity: .6; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; } figcaption { font-weight: 600; }
.record { border: 1px solid var(--line); border-radius: 4px; padding: .4rem .8rem; margin-bottom: .6rem; }
.record.dismissed { opacity: .55; }
.record > header { display: block; padding: .2rem 0; border-bottom: 1px solid var(--line); }
.record > header input { margin-right: .4rem; }
.record dl { display: grid; grid-template-columns: 9rem 1fr; margin: .4rem 0; } .record dd { margin: 0; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; background: #f8fafc; padding: .2rem .4rem; max-height: 18rem; overflow: auto; }
.histogram .bar { display: inline-block; height: .8rem; background: var(--accent); min-width: 1px; }
form.pick { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; margin-bottom: 1rem; }
form.pick label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, button { font: inherit; padding: .25rem .5rem; }
#selection { margin: .6rem 0; display: flex; gap: .6rem; }
`

/** `/static/dashboard.js`: charts from `data-series`, confirmation of actions, select-all, histogram bars. */
export const DASHBOARD_JS = `'use strict'
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('.chart[data-series]').forEach(function (el) {
    var data = JSON.parse(el.getAttribute('data-series'))
    if (typeof uPlot === 'undefined' || data[0].length === 0) { el.textContent = 'collecting samples…'; return }
    new uPlot({ width: 420, height: 160, series: [{}, { label: 'accepted/s', stroke: '#0b63c5', width: 2 }, { label: 'dead letters/s', stroke: '#b42318', width: 1 }],
      axes: [{}, { size: 50 }], legend: { show: true } }, data, el)
  })
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      var action = e.submitter ? e.submitter.value : 'apply'
      var question = action + '? '
      if (form.id === 'selection') {
        var n = document.querySelectorAll('input[name="offset"][form="selection"]:checked').length
        if (n === 0) { e.preventDefault(); window.alert('Select dead letters first.'); return }
        question = action + ' ' + n + ' dead letter(s)? '
      }
      if (!window.confirm(question + form.getAttribute('data-confirm'))) e.preventDefault()
      else {
        var c = document.createElement('input'); c.type = 'hidden'; c.name = 'confirmed'; c.value = 'yes'; form.appendChild(c)
      }
    })
  })
  document.querySelectorAll('[data-select-all]').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('input[name="offset"][form="selection"]').forEach(function (c) { c.checked = true })
    })
  })
  document.querySelectorAll('.bar[data-width]').forEach(function (b) { b.style.width = (2 * Number(b.getAttribute('data-width'))) + 'px' })
})
`
