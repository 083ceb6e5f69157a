// Reading Prometheus' text format in tests that scrape /metrics.

/** A sample's value in Prometheus text, or undefined when the series is absent. */
export function sample (body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find(l => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}
