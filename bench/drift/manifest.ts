// The shapes of streams.py's manifest.json and produce.ts's topics.json.

export interface Drift {
  /** First row of the change (0-based). */
  start: number
  /** Row where the new concept is complete (start for an abrupt change). */
  end: number
}

export interface StreamEntry {
  name: string
  file: string
  rows: number
  drifts: Drift[]
  /** The dataset spec streamfit reads it with; null: SUSY (the default spec). */
  spec: string | null
  header: boolean
  note: string
}

export interface Manifest {
  streams: StreamEntry[]
  continue: Record<'train' | 'stream' | 'heldout', { file: string, rows: number, from: number }>
}

export interface StreamTopics {
  train: string
  dlq: string
  /** A copy of the stream's spec naming the run's topics (null for SUSY). */
  spec: string | null
  rows: number
}
