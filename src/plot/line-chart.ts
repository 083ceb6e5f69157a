// Line charts rendered to a self-contained SVG file with Vega-Lite, headlessly: no browser,
// no native canvas, no network. One panel per metric, stacked, sharing the x axis.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** One panel of a line chart, with one or several lines. */
export interface Series {
  /** Panel title and y-axis label, e.g. "loss". */
  name: string
  /** Points in x order. */
  points: Array<{ x: number; y: number }>
  /** Fixed y range, e.g. [0, 1] for accuracy; default fits the data. */
  domain?: [number, number]
}

/** Settings of {@link renderLineChart} and {@link writeLineChart}. */
export interface LineChartOptions {
  title: string
  xLabel: string
  /** d3-format of the x axis labels (default 'd': integers, e.g. epochs). */
  xFormat?: string
  /** Several lines in one panel share its name and differ by `line` (e.g. "train", "validation"). */
  panels: Array<Series | Series[]>
  width?: number
  height?: number
}

/** Renders the chart to SVG text. */
export async function renderLineChart (options: LineChartOptions): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')])
  const width = options.width ?? 520
  const height = options.height ?? 180
  const panels = options.panels.map(p => Array.isArray(p) ? p : [p])
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    vconcat: panels.map(lines => {
      const domain = lines[0].domain
      return {
        width,
        height,
        data: { values: lines.flatMap(s => s.points.map(p => ({ x: p.x, y: p.y, line: s.name }))) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: options.xLabel, axis: { tickMinStep: 1, format: options.xFormat ?? 'd' } },
          y: { field: 'y', type: 'quantitative', title: lines.map(s => s.name).join(' / '), scale: domain ? { domain } : { zero: false }, axis: { format: '.3f' } },
          ...(lines.length > 1 ? { color: { field: 'line', type: 'nominal', title: null } } : {})
        }
      }
    })
  }
  const compiled = vegaLite.compile(spec as never).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Renders and writes the chart; creates the directory. Returns the path. */
export async function writeLineChart (path: string, options: LineChartOptions): Promise<string> {
  const svg = await renderLineChart(options)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, svg)
  return path
}
