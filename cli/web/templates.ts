/**
 * The dashboard's Eta templates, kept in a module so that `tsc` ships them with the code.
 * Every `<%= %>` is escaped (autoEscape); `<%~ %>` is used only for the layout's body, which
 * is itself a rendered template. Pages carry no inline script or style (the CSP forbids them):
 * charts read their data from `data-*` attributes.
 */

/** Template name → source. */
export const TEMPLATES: Readonly<Record<string, string>> = {
  layout: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · kshare web</title>
<link rel="stylesheet" href="<%= it.base %>/static/uPlot.min.css">
<link rel="stylesheet" href="<%= it.base %>/static/dashboard.css">
<script src="<%= it.base %>/static/uPlot.iife.min.js" defer></script>
<script src="<%= it.base %>/static/dashboard.js" defer></script>
</head>
<body>
<header>
  <strong>kshare web</strong>
  <nav>
    <% for (const [href, label] of [['/', 'Overview'], ['/processes', 'Processes'], ['/errors', 'Errors'], ['/dead-letters', 'Dead letters'], ['/topics', 'Topic explorer']]) { %>
    <a href="<%= it.base %><%= href %>"<% if (it.section === label) { %> class="current"<% } %>><%= label %></a>
    <% } %>
  </nav>
  <span class="mode <%= it.allowActions ? 'actions' : 'readonly' %>" data-testid="mode"><%= it.allowActions ? 'actions allowed' : 'read-only' %></span>
</header>
<main>
<% if (it.flash) { %><p class="flash" data-testid="flash"><%= it.flash %></p><% } %>
<%~ it.body %>
</main>
<footer>reports from <code><%= it.reportsTopic %></code><% if (it.reportsMissing) { %> (no such topic yet: start an App with <code>reports: { topic: '<%= it.reportsTopic %>' }</code>)<% } %> · rendered <%= new Date(it.now).toISOString() %></footer>
</body>
</html>`,

  overview: `<% layout('@layout', it) %>
<h1>Share groups</h1>
<% if (it.groups.length === 0) { %><p>No share groups.</p><% } else { %>
<table class="groups">
<thead><tr><th>Group</th><th>State</th><th>Members</th><th>Processes</th><th>Accepted</th><th>Accepted/s</th><th>Lag</th><th>Dead letters/s</th><th>Dead-lettered</th><th>Lock expiries</th><th>Errors</th></tr></thead>
<tbody>
<% for (const g of it.groups) { %>
<tr data-group="<%= g.groupId %>">
  <td><a href="<%= it.base %>/groups/<%= encodeURIComponent(g.groupId) %>"><%= g.groupId %></a></td>
  <td class="state"><%= g.state %></td>
  <td class="members num"><%= g.members %></td>
  <td class="processes num"><%= g.totals ? g.totals.processes : 0 %></td>
  <td class="accepted num"><%= g.totals ? g.totals.accepted : '–' %></td>
  <td class="accepted-rate num"><%= g.acceptedPerSec ?? '–' %></td>
  <td class="lag num"><%= g.lag ?? '–' %></td>
  <td class="dlq-rate num"><%= g.deadLetteredPerSec ?? '–' %></td>
  <td class="dead-lettered num"><%= g.totals ? g.totals.deadLettered : '–' %></td>
  <td class="lock-expiries num"><%= g.totals ? g.totals.lockExpiries : '–' %></td>
  <td class="errors num"><%= g.totals ? g.totals.errors : '–' %></td>
</tr>
<% } %>
</tbody>
</table>
<h2>Accepted records/s (last <%= Math.round(it.historyMs / 60000) %> minutes)</h2>
<div class="charts">
<% for (const c of it.charts) { %>
<figure><figcaption><%= c.groupId %></figcaption><div class="chart" data-testid="chart" data-series="<%= JSON.stringify(c.data) %>"></div></figure>
<% } %>
</div>
<% } %>`,

  group: `<% layout('@layout', it) %>
<h1>Share group <code data-testid="group-id"><%= it.groupId %></code></h1>
<p>State <strong class="state" data-testid="state"><%= it.description.state %></strong> · group epoch <%= it.description.groupEpoch %> · assignor <%= it.description.assignor %></p>
<h2>Members (<span data-testid="member-count"><%= it.description.members.length %></span>)</h2>
<table class="members">
<thead><tr><th>Client id</th><th>Host</th><th>Member id</th><th>Assigned partitions</th></tr></thead>
<tbody>
<% for (const m of it.description.members) { %>
<tr><td><%= m.clientId %></td><td><%= m.clientHost %></td><td><code><%= m.memberId %></code></td>
<td><%= m.assignment.map(a => a.topic + ': ' + a.partitions.join(', ')).join('; ') %></td></tr>
<% } %>
</tbody>
</table>
<h2>Partitions</h2>
<table class="partitions">
<thead><tr><th>Topic</th><th>Partition</th><th>Start offset</th><th>End offset</th><th>Lag</th><th>Records held (reports)</th></tr></thead>
<tbody>
<% for (const p of it.partitions) { %>
<tr data-partition="<%= p.topic %>/<%= p.partition %>"><td><%= p.topic %></td><td class="num"><%= p.partition %></td>
<td class="start num"><%= p.startOffset ?? '–' %></td><td class="end num"><%= p.endOffset ?? '–' %></td>
<td class="lag num"><%= p.lag ?? '–' %></td><td class="held num"><%= p.held %></td></tr>
<% if (p.error) { %><tr><td colspan="6" class="error"><%= p.error %></td></tr><% } %>
<% } %>
</tbody>
</table>
<h2>Delivery attempts of decided records (reports)</h2>
<% if (!it.totals) { %><p>No kshare process reports on this group.</p><% } else { const max = Math.max(1, ...it.totals.attempts) %>
<table class="histogram" data-testid="attempts">
<% it.totals.attempts.forEach((n, i) => { %>
<tr><th><%= i === it.totals.attempts.length - 1 ? (i + 1) + '+' : i + 1 %></th><td class="num"><%= n %></td><td><span class="bar" data-width="<%= Math.round(n / max * 100) %>"></span></td></tr>
<% }) %>
</table>
<p>Accepted <%= it.totals.accepted %> · released <%= it.totals.released %> · rejected <%= it.totals.rejected %> · dead-lettered <%= it.totals.deadLettered %> · lock renewals <%= it.totals.lockRenewals %> · lock expiries <%= it.totals.lockExpiries %></p>
<% } %>
<% if (it.allowActions) { %>
<form method="post" action="<%= it.base %>/groups/<%= encodeURIComponent(it.groupId) %>/reset" data-confirm="The group must be empty (no running members)." data-testid="reset">
<input type="hidden" name="token" value="<%= it.token %>">
Reset start offsets of every partition to
<button name="to" value="earliest" data-testid="reset-earliest">earliest</button>
<button name="to" value="latest" data-testid="reset-latest">latest</button>
</form>
<% } %>
<h2>Group configs</h2>
<table class="configs">
<% for (const [k, v] of Object.entries(it.configs)) { %><tr><th><code><%= k %></code></th><td data-config="<%= k %>"><%= v ?? '(default)' %></td></tr><% } %>
</table>`,

  processes: `<% layout('@layout', it) %>
<h1>Processes</h1>
<% if (it.processes.length === 0) { %><p>No reports.</p><% } %>
<% for (const p of it.processes) { %>
<section class="process <%= p.liveness %>" data-process="<%= p.report.processId %>">
<h2><code><%= p.report.processId %></code> <span class="badge <%= p.liveness %>"><%= p.liveness %></span></h2>
<p>pid <%= p.report.pid %> on <%= p.report.host %> · kshare <%= p.report.version %> · started <%= new Date(p.report.startedAt).toISOString() %> · last report <%= Math.round((it.now - p.report.reportedAt) / 1000) %> s ago
· concurrency <%= p.report.concurrency %> · rss <%= Math.round(p.report.memory.rss / 1048576) %> MiB · heap <%= Math.round(p.report.memory.heapUsed / 1048576) %> MiB
· event-loop delay p99 <%= p.report.eventLoopDelayMs.p99 %> ms (max <%= p.report.eventLoopDelayMs.max %>)</p>
<p>Routes: <%= p.report.counters.map(c => c.groupId + ' ← ' + c.topic + (c.dlq ? ' (DLQ ' + c.dlq + ')' : '')).join(', ') %></p>
<h3>Jobs running now (<span class="job-count"><%= p.report.jobs.length + p.report.jobsOmitted %></span>)</h3>
<% if (p.report.jobs.length > 0) { %>
<table class="jobs"><thead><tr><th>Group</th><th>Topic</th><th>Partition</th><th>Offset</th><th>Attempt</th><th>Running for</th></tr></thead><tbody>
<% for (const j of p.report.jobs) { %><tr><td><%= j.groupId %></td><td><%= j.topic %></td><td class="num"><%= j.partition %></td><td class="num"><%= j.offset %></td><td class="num"><%= j.deliveryAttempt %></td><td class="num"><%= (j.runningMs / 1000).toFixed(1) %> s</td></tr><% } %>
</tbody></table>
<% if (p.report.jobsOmitted > 0) { %><p>and <%= p.report.jobsOmitted %> more</p><% } %>
<% } %>
</section>
<% } %>`,

  errors: `<% layout('@layout', it) %>
<h1>Errors</h1>
<% if (it.errors.length === 0) { %><p>No errors reported.</p><% } %>
<% for (const e of it.errors) { %>
<details class="error-group">
<summary><strong><%= e.class %></strong>: <%= e.message %> <span class="badge">×<%= e.count %></span></summary>
<p>source <code><%= e.source %></code><% if (e.groupId) { %> · group <%= e.groupId %><% } %><% if (e.topic) { %> · <%= e.topic %><% if (e.partition !== null) { %>-<%= e.partition %><% } %><% if (e.offset !== null) { %> @ <%= e.offset %><% } %><% } %>
· first seen <%= new Date(e.firstSeen).toISOString() %> · last seen <%= new Date(e.lastSeen).toISOString() %> · <%= e.processes.length %> process(es)</p>
<pre><%= e.stack %></pre>
</details>
<% } %>`,

  record: `<article class="record<%= it.dismissed ? ' dismissed' : '' %>" data-offset="<%= it.r.offset %>">
<header>
<% if (it.selectable) { %><input type="checkbox" name="offset" value="<%= it.r.offset %>" form="selection" aria-label="select offset <%= it.r.offset %>"><% } %>
<strong>offset <%= it.r.offset %></strong> · partition <%= it.r.partition %> · <%= it.r.timestamp %>
<% if (it.dismissed) { %><span class="badge">dismissed</span><% } %>
<% if (it.r.deadLetter) { const d = it.r.deadLetter %>
· from <code><%= d.topic %>-<%= d.partition ?? '?' %>@<%= d.offset %></code> · attempt <%= d.attempt %><% if (d.replays > 0) { %> · replayed <%= d.replays %>×<% } %>
<div class="dlq-error"><strong><%= d.errorClass %></strong>: <%= d.errorMessage %></div>
<% } %>
</header>
<dl>
<dt>key <small><%= it.r.key.kind %>, <%= it.r.key.size %> B</small></dt><dd><pre class="key"><%= it.r.key.text %><% if (it.r.key.cut) { %>…<% } %></pre></dd>
<dt>value <small><%= it.r.value.kind %>, <%= it.r.value.size %> B</small></dt><dd><pre class="value"><%= it.r.value.text %><% if (it.r.value.cut) { %>…<% } %></pre></dd>
<% if (it.r.headers.length > 0) { %>
<dt>headers</dt><dd><table class="headers"><% for (const h of it.r.headers) { %><tr><th><code><%= h.key %></code></th><td><%= h.value %></td></tr><% } %></table></dd>
<% } %>
</dl>
</article>`,

  deadLetters: `<% layout('@layout', it) %>
<h1>Dead letters</h1>
<form method="get" action="<%= it.base %>/dead-letters" class="pick">
<label>Topic <input name="topic" list="dlqs" value="<%= it.topic ?? '' %>" required></label>
<datalist id="dlqs"><% for (const t of it.dlqs) { %><option value="<%= t %>"><% } %></datalist>
<label>Partition <input name="partition" type="number" min="0" value="<%= it.partition %>"></label>
<label><input type="checkbox" name="show" value="all"<% if (it.showAll) { %> checked<% } %>> show dismissed</label>
<button>Show</button>
</form>
<% if (it.dlqs.length > 0) { %><p>Dead letter topics of reporting Apps: <% for (const t of it.dlqs) { %><a href="<%= it.base %>/dead-letters?topic=<%= encodeURIComponent(t) %>"><%= t %></a> <% } %></p><% } %>
<% if (it.page) { %>
<p>Partition <%= it.partition %>: offsets <%= it.page.end > it.page.start ? it.page.start + '–' + (it.page.end - 1n) : 'none' %> (<span data-testid="dlq-total"><%= it.page.end - it.page.start %></span> records), newest first.</p>
<% if (it.allowActions) { %>
<form id="selection" method="post" action="<%= it.base %>/dead-letters/actions" data-confirm="Apply to the selected dead letters?">
<input type="hidden" name="token" value="<%= it.token %>">
<input type="hidden" name="topic" value="<%= it.topic %>">
<input type="hidden" name="partition" value="<%= it.partition %>">
<button type="button" data-select-all>Select all on this page</button>
<button name="action" value="replay" data-testid="replay-selected">Replay selected</button>
<button name="action" value="dismiss" data-testid="dismiss-selected">Dismiss selected</button>
</form>
<% } %>
<div class="records" data-testid="dead-letters">
<% for (const r of it.page.records) { %><%~ include('@record', { r, selectable: it.allowActions, dismissed: it.isDismissed(r.offset) }) %><% } %>
</div>
<% if (it.page.older !== null) { %><p><a href="<%= it.base %>/dead-letters?topic=<%= encodeURIComponent(it.topic) %>&partition=<%= it.partition %>&before=<%= it.page.older %><%= it.showAll ? '&show=all' : '' %>" data-testid="older">Older →</a></p><% } %>
<% } %>`,

  topics: `<% layout('@layout', it) %>
<h1>Topic explorer</h1>
<form method="get" action="<%= it.base %>/topics" class="pick">
<label>Topic <input name="topic" value="<%= it.topic ?? '' %>" required></label>
<label>Partition <input name="partition" type="number" min="0" value="<%= it.partition %>"></label>
<label>From offset <input name="offset" value="<%= it.offset ?? '' %>" placeholder="start"></label>
<label>or from time <input name="time" value="<%= it.time ?? '' %>" placeholder="2026-12-05T17:00:00Z"></label>
<button>Read</button>
</form>
<% if (it.read) { %>
<p>Partition <%= it.partition %>: offsets <%= it.read.start %>–<%= it.read.end %>; <%= it.read.records.length %> records shown.</p>
<div class="records" data-testid="records">
<% for (const r of it.read.records) { %><%~ include('@record', { r, selectable: false, dismissed: false }) %><% } %>
</div>
<% if (it.read.next < it.read.end) { %><p><a href="<%= it.base %>/topics?topic=<%= encodeURIComponent(it.topic) %>&partition=<%= it.partition %>&offset=<%= it.read.next %>">Next →</a></p><% } %>
<% } %>`,

  failure: `<% layout('@layout', it) %>
<h1><%= it.heading %></h1>
<p class="error" data-testid="failure"><%= it.message %></p>`
}
