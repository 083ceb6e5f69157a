// streamfit's live dashboard: polls /api/status once a second and redraws the page from it.
// Plain browser JavaScript with no libraries and no build step; the charts are hand-drawn SVG.
// Every value from the server goes in through textContent/attributes, never as HTML.

const POLL_MS = 1000
const SVG = 'http://www.w3.org/2000/svg'

/** Creates an element (SVG when ns is given): el('td', { class: 'n' }, 'text', child, ...). */
function el (tag, attrs = {}, ...children) {
  const node = attrs.ns ? document.createElementNS(attrs.ns, tag) : document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (k !== 'ns' && v !== undefined && v !== null) node.setAttribute(k, String(v))
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child))
  return node
}
const svg = (tag, attrs = {}, ...children) => el(tag, { ns: SVG, ...attrs }, ...children)
const $ = id => document.getElementById(id)

function fmt (n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–'
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}
const ms = seconds => seconds === null || seconds === undefined ? '–' : `${fmt(seconds * 1000, seconds < 0.01 ? 2 : 1)} ms`
const mib = bytes => `${fmt(bytes / 1048576, 1)} MiB`
function duration (seconds) {
  const s = Math.floor(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`
}
const clock = iso => new Date(iso).toLocaleTimeString('en-GB')
const truncate = (text, n) => text.length > n ? `${text.slice(0, n - 1)}…` : text
// Topic names of one app share their start and differ at the end: keep both ends.
const middle = (text, n) => text.length > n ? `${text.slice(0, Math.ceil(n / 2) - 1)}…${text.slice(text.length - Math.floor(n / 2))}` : text

/** Fills a <dl> with [term, value, testid] rows. */
function definitions (dl, rows) {
  dl.replaceChildren(...rows.flatMap(([term, value, testid]) => [el('dt', {}, term), el('dd', { 'data-testid': testid }, value)]))
}

/** Fills a table's body with rows of cells. */
function tableRows (table, rows, empty) {
  const body = table.tBodies[0]
  if (rows.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: table.tHead.rows[0].cells.length, class: 'muted' }, empty)))
  else body.replaceChildren(...rows.map(cells => el('tr', { 'data-testid': 'row' }, cells.map(c => el('td', {}, c)))))
}

// --- topology graph -------------------------------------------------------------------------

const COL = 176
const BOX = { w: 152, h: 58 }
const PILL = { w: 152, h: 30 }
const MAIN_Y = 30
const SIDE_Y = 150

/** Source topics -> steps in pipeline order -> sink topics; side outputs (dead letters) below. */
function drawTopology (topology, throughput) {
  const rate = (direction, topic) => throughput.find(t => t.direction === direction && t.topic === topic)
  const steps = topology.steps
  const sourceTopics = steps[0].topics ?? []
  const sinkTopics = steps.filter(s => s.kind === 'sink').flatMap(s => s.topics ?? [])
  const hasIn = sourceTopics.length > 0
  const cols = steps.length + (hasIn ? 1 : 0) + (sinkTopics.length > 0 ? 1 : 0)
  const width = cols * COL + 8
  const items = []
  const x = i => 4 + (i + (hasIn ? 1 : 0)) * COL
  const arrow = (x1, y1, x2, y2, dashed) => svg('line', { x1, y1, x2, y2, class: dashed ? 'edge side' : 'edge', 'marker-end': 'url(#arrow)' })

  const topicPill = (cx, cy, topic, direction) => {
    const r = rate(direction, topic)
    return svg('g', { class: 'topic', 'data-testid': 'topology-topic' },
      svg('title', {}, `topic ${topic}`),
      svg('rect', { x: cx, y: cy, width: PILL.w, height: PILL.h, rx: 15 }),
      svg('text', { x: cx + PILL.w / 2, y: cy + 19, 'text-anchor': 'middle' }, middle(topic, 22)),
      r ? svg('text', { x: cx + PILL.w / 2, y: cy + PILL.h + 15, 'text-anchor': 'middle', class: 'rate' }, `${fmt(r.perSecond)} rec/s`) : null)
  }

  sourceTopics.forEach((topic, j) => {
    const y = MAIN_Y + BOX.h / 2 - PILL.h / 2 + j * (PILL.h + 22)
    items.push(topicPill(4, y, topic, 'in'), arrow(4 + PILL.w, y + PILL.h / 2, x(0) - 4, MAIN_Y + BOX.h / 2))
  })
  steps.forEach((step, i) => {
    const left = x(i)
    const stores = (step.stores ?? []).join(', ')
    items.push(svg('g', { class: `node ${step.kind}`, 'data-testid': 'topology-node' },
      svg('title', {}, [step.kind, step.name, step.detail, stores].filter(Boolean).join('\n')),
      svg('rect', { x: left, y: MAIN_Y, width: BOX.w, height: BOX.h, rx: 6 }),
      svg('text', { x: left + 8, y: MAIN_Y + 16, class: 'kind' }, step.kind),
      svg('text', { x: left + 8, y: MAIN_Y + 34, class: 'name' }, truncate(step.name, 20)),
      svg('text', { x: left + 8, y: MAIN_Y + 50, class: 'detail' }, truncate(step.detail ?? stores, 26))))
    if (i > 0) items.push(arrow(x(i - 1) + BOX.w, MAIN_Y + BOX.h / 2, left - 4, MAIN_Y + BOX.h / 2))
    for (const [j, topic] of (step.sideOutputs ?? []).entries()) {
      const y = SIDE_Y + j * (PILL.h + 22)
      items.push(arrow(left + BOX.w / 2, MAIN_Y + BOX.h, left + BOX.w / 2, y - 4, true), topicPill(left, y, topic, 'out'))
    }
  })
  const lastX = x(steps.length - 1)
  sinkTopics.forEach((topic, j) => {
    const y = MAIN_Y + BOX.h / 2 - PILL.h / 2 + j * (PILL.h + 22)
    items.push(arrow(lastX + BOX.w, MAIN_Y + BOX.h / 2, lastX + COL - 4, y + PILL.h / 2), topicPill(lastX + COL, y, topic, 'out'))
  })
  const sides = Math.max(0, ...steps.map(s => (s.sideOutputs ?? []).length))
  const height = (sides > 0 ? SIDE_Y + sides * (PILL.h + 22) : MAIN_Y + BOX.h + 40) + 4
  // Scales down to the section's width for long pipelines (online has eight steps).
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, style: `width: 100%; max-width: ${width}px; height: auto`, role: 'img', 'aria-label': `topology ${topology.name}` },
    svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z' }))),
    items)
}

// --- line charts ----------------------------------------------------------------------------

/** A small SVG line chart of [time ms, value] points with its range written on the axes; `marks`: times to draw a dashed vertical line at. */
function lineChart (points, { width = 320, height = 90, zeroBased = true, digits = 0, marks = [] } = {}) {
  const pad = { l: 48, r: 6, t: 6, b: 16 }
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart', 'data-points': points.length })
  if (points.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'no data yet'))
    return root
  }
  const ys = points.map(p => p[1])
  let lo = zeroBased ? Math.min(0, ...ys) : Math.min(...ys)
  let hi = Math.max(...ys)
  if (hi === lo) { hi += zeroBased ? 1 : Math.abs(hi) * 0.01 || 1; if (!zeroBased) lo -= Math.abs(lo) * 0.01 || 1 }
  const t0 = points[0][0]
  const t1 = Math.max(points.at(-1)[0], t0 + 1)
  const px = t => pad.l + (t - t0) / (t1 - t0) * (width - pad.l - pad.r)
  const py = v => height - pad.b - (v - lo) / (hi - lo) * (height - pad.t - pad.b)
  root.append(
    svg('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: 'axis' }),
    svg('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b, class: 'axis' }),
    svg('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end', class: 'tick' }, fmt(hi, digits)),
    svg('text', { x: pad.l - 4, y: height - pad.b, 'text-anchor': 'end', class: 'tick' }, fmt(lo, digits)),
    svg('text', { x: pad.l, y: height - 3, class: 'tick' }, clock(new Date(t0).toISOString())),
    svg('text', { x: width - pad.r, y: height - 3, 'text-anchor': 'end', class: 'tick' }, clock(new Date(t1).toISOString())),
    points.length === 1
      ? svg('circle', { cx: px(points[0][0]), cy: py(points[0][1]), r: 3, class: 'line-dot' })
      : svg('polyline', { points: points.map(p => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' '), class: 'line' }),
    ...marks.filter(t => t >= t0 && t <= t1).map(t => svg('line', { x1: px(t), y1: pad.t, x2: px(t), y2: height - pad.b, class: 'mark', 'data-testid': 'drift-mark' },
      svg('title', {}, `drift detected at ${clock(new Date(t).toISOString())}`))))
  return root
}

// --- sections -------------------------------------------------------------------------------

function renderThroughput (throughput) {
  if (throughput.length === 0) {
    $('throughput').replaceChildren(el('p', { class: 'muted' }, 'no records yet'))
    return
  }
  $('throughput').replaceChildren(...throughput.map(t => el('figure', { class: 'card', 'data-testid': 'stage' },
    el('figcaption', {}, `${t.direction === 'in' ? 'in from' : 'out to'} `, el('strong', { 'data-testid': 'stage-topic' }, t.topic)),
    el('p', { class: 'big' }, el('span', { 'data-testid': 'rate' }, fmt(t.perSecond)), ' rec/s'),
    el('p', { class: 'muted' }, `${fmt(t.total)} records in total`),
    lineChart(t.series))))
}

function renderModel (status) {
  const m = status.model
  definitions($('model'), [
    ['version in use', m ? m.version : 'none yet', 'model-version'],
    ['in use since', m ? `${clock(m.since)} (${duration((Date.parse(status.time) - Date.parse(m.since)) / 1000)} ago)` : '–', 'model-since'],
    ['backend', status.process.backend ?? '–', 'backend']
  ])
  $('versions').replaceChildren(...status.versions.map(v => el('li', { 'data-testid': 'version' }, `${v.version} at ${clock(v.at)}`)))
}

function renderLearning (status) {
  const l = status.learning
  $('learning-section').hidden = l === null
  if (l === null) return
  const online = status.app === 'online'
  $('learning-title').textContent = online ? 'Prequential accuracy and loss (each mini-batch scored before it is learnt)' : 'Training: accuracy and loss (running averages of the epoch in progress)'
  if (l.epochs !== null) {
    const done = l.epoch ?? 0
    $('epoch').replaceChildren(el('progress', { max: l.epochs, value: done }), ` epoch ${fmt(done, 1)} of ${l.epochs}`)
  } else {
    $('epoch').replaceChildren()
  }
  const last = points => points.length > 0 ? fmt(points.at(-1)[1], 4) : '–'
  // Drift detections (online) as dashed vertical lines on both curves, their count beside.
  const marks = (l.drifts ?? []).map(p => p[0])
  const drifts = marks.length > 0 ? el('p', { class: 'muted', 'data-testid': 'drifts' }, `${l.drifts.at(-1)[1]} drift(s) detected, marked on the curves`) : ''
  $('accuracy-chart').replaceChildren(el('p', { class: 'big' }, last(l.accuracy)), lineChart(l.accuracy, { zeroBased: false, digits: 4, width: 420, height: 140, marks }), drifts)
  $('loss-chart').replaceChildren(el('p', { class: 'big' }, last(l.loss)), lineChart(l.loss, { zeroBased: false, digits: 4, width: 420, height: 140, marks }))
  renderFigures(l.figures ?? [], online)
}

// The task's figures (streamfit_validation_figure), named as `evaluate` and `train` print them.
const FIGURE_NAMES = { accuracy: 'accuracy', auc: 'AUC', loss: 'log-loss', macroF1: 'macro-F1', rmse: 'RMSE', mae: 'MAE', r2: 'R²' }

function renderFigures (figures, online) {
  $('figures-block').hidden = figures.length === 0
  $('figures-title').textContent = online ? 'The task\'s figures, prequential (every row scored before it is learnt)' : 'The task\'s figures on the validation rows, after each epoch'
  $('figures').replaceChildren(...figures.map(f => el('figure', { class: 'card', 'data-testid': 'task-figure' },
    el('figcaption', { 'data-testid': 'figure-name' }, FIGURE_NAMES[f.figure] ?? f.figure),
    el('p', { class: 'big', 'data-testid': 'figure-value' }, fmt(f.value, 4)),
    lineChart(f.series, { zeroBased: false, digits: 4, width: 260, height: 90 }))))
}

/** "2 in sync (under-replicated: partitions 0, 2)", as `streamfit describe` words it. */
function replicationHealth (r) {
  const troubles = [
    ...(r.underReplicated.length > 0 ? [`under-replicated: partitions ${r.underReplicated.join(', ')}`] : []),
    ...(r.leaderless.length > 0 ? [`no leader: partitions ${r.leaderless.join(', ')}`] : [])
  ]
  return troubles.length > 0 ? `${r.inSync} (${troubles.join('; ')})` : String(r.inSync)
}

function render (status) {
  $('app').textContent = status.app
  document.title = `streamfit ${status.app}`
  $('summary').textContent = status.topology?.summary ?? ''
  const t = status.topology
  $('guarantee').textContent = t ? `guarantee: ${t.guarantee}${t.guaranteeDetail ? ` (${t.guaranteeDetail})` : ''}` : ''
  $('topology').replaceChildren(t ? drawTopology(t, status.throughput) : el('p', { class: 'muted' }, 'no topology description'))
  renderThroughput(status.throughput)
  renderModel(status)
  tableRows($('lag'), status.lag.map(r => [r.topic, r.partition, r.committed === null ? 'none' : fmt(r.committed), fmt(r.lag)]), 'no lag figures (yet)')
  tableRows($('replication'), status.replication.map(r => [r.topic, r.partitions, r.replicas, replicationHealth(r)]), 'no replication figures (yet)')
  const b = status.batchLatency
  definitions($('transactions'), [
    ['transactions committed', fmt(status.transactions.committed), 'tx-committed'],
    ['transactions aborted', fmt(status.transactions.aborted), 'tx-aborted'],
    [`batches, last ${b.windowSeconds} s`, fmt(b.batches), 'batches'],
    ['batch latency p50', ms(b.p50), 'latency-p50'],
    ['batch latency p99', ms(b.p99), 'latency-p99']
  ])
  tableRows($('dead-letters'), status.deadLetters.map(d => [d.reason, fmt(d.count)]), 'none')
  renderLearning(status)
  const p = status.process
  definitions($('process'), [
    ['backend', p.backend ?? '–', 'process-backend'],
    ['resident memory', mib(p.rssBytes), 'rss'],
    ['event-loop delay p50 / p99', `${ms(p.eventLoopDelayP50Seconds)} / ${ms(p.eventLoopDelayP99Seconds)}`, 'event-loop'],
    ['uptime', duration(p.uptimeSeconds), 'uptime'],
    ['pid, Node.js', `${p.pid}, ${p.node}`, 'pid']
  ])
  $('config').textContent = status.config ? JSON.stringify(status.config, null, 2) : 'not given'
}

async function poll () {
  try {
    const response = await fetch('/api/status', { cache: 'no-store' })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const status = await response.json()
    render(status)
    $('connection').textContent = `live · updated ${clock(status.time)}`
    $('connection').className = 'live'
  } catch (error) {
    // The app stopped or restarts: keep the last picture and say so; polling resumes by itself.
    $('connection').textContent = `disconnected (${error.message}); retrying`
    $('connection').className = 'down'
  } finally {
    setTimeout(poll, POLL_MS)
  }
}

poll()
