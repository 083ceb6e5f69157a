// The side-by-side chart: records/s per stage for both systems, one panel per data set.
// Vega-Lite renders it to SVG headlessly (as src/plot does); resvg turns the SVG into a PNG with
// the system's fonts, no browser, no network.
import { writeFile } from 'node:fs/promises'

export interface Bar {
  dataset: string
  stage: string
  system: 'streamfit' | 'tfio'
  recordsPerSecond: number
}

export async function renderChartSvg (bars: Bar[], title: string, subtitle: string): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')])
  const stages = [...new Set(bars.map(b => b.stage))]
  const datasets = [...new Set(bars.map(b => b.dataset))]
  // Log axis from a decade below the slowest bar to a decade above the fastest (room for labels).
  const rates = bars.map(b => b.recordsPerSecond).filter(r => r > 0)
  const lo = 10 ** Math.floor(Math.log10(Math.min(...rates)))
  const hi = Math.max(...rates) * 4
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' },
    data: { values: bars.map(b => ({ ...b, label: formatRate(b.recordsPerSecond) })) },
    facet: { row: { field: 'dataset', type: 'nominal', sort: datasets, title: null, header: { labelFontSize: 13, labelFontWeight: 'bold', labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 560,
      encoding: {
        x: { field: 'recordsPerSecond', type: 'quantitative', title: 'records/s (log scale; higher is better)', scale: { type: 'log', domain: [lo, hi], nice: false } },
        y: { field: 'stage', type: 'nominal', sort: stages, title: null, axis: { labelLimit: 260 } },
        yOffset: { field: 'system', type: 'nominal', sort: ['streamfit', 'tfio'] }
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            x2: { datum: lo }, // log scales have no zero: bars start at the axis
            color: { field: 'system', type: 'nominal', sort: ['streamfit', 'tfio'], scale: { range: ['#1f77b4', '#ff7f0e'] }, title: null, legend: { orient: 'top', labelLimit: 400, labelExpr: "datum.label === 'tfio' ? 'tfio: the tutorial (Python, TensorFlow I/O)' : 'streamfit (TypeScript)'" } }
          }
        },
        { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'label' } } }
      ]
    },
    config: { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 } }
  }
  // Vega-Lite warns about faceted independent scales it handles correctly here.
  const quiet = { level () { return quiet }, error () { return quiet }, warn () { return quiet }, info () { return quiet }, debug () { return quiet } }
  const compiled = vegaLite.compile(spec as never, { logger: quiet as never }).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Renders the chart to a PNG file (white background, 2× scale for sharp text). */
export async function writeChartPng (path: string, bars: Bar[], title: string, subtitle: string): Promise<void> {
  const svg = await renderChartSvg(bars, title, subtitle)
  const { Resvg } = await import('@resvg/resvg-js')
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng()
  await writeFile(path, png)
}

function formatRate (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}
