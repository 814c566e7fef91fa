import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api'

/** The running count of one attribute set: the hot path adds to `value`. */
export interface CountCell {
  value: number
}

/** The counts of one counter, by attribute set, reported at each collection. */
export interface CountTable {
  /** The cell of an attribute set: the same one for equal sets, for every component. */
  cell(attributes: Attributes): CountCell
}

const tablesByMeter = new WeakMap<Meter, Map<string, CountTable>>()

/**
 * A counter for the hot paths (a cached token, a cached verification): an
 * asynchronous (observable) counter over plain integers. Counting is an
 * increment, with or without an SDK; a synchronous counter's `add` costs about
 * a microsecond with the SDK installed (it hashes the attributes on every
 * call). Exported exactly as a counter is (a monotonic sum; `_total` in
 * Prometheus).
 *
 * One table per meter and name, shared by every component that records under
 * that name: an asynchronous instrument takes one value per attribute set and
 * collection, so two components reporting the same set separately would
 * overwrite each other. Cells are kept for the life of the meter, as a
 * synchronous counter keeps its sums; attribute sets are few and bounded.
 */
export function countTable(meter: Meter, name: string, options: MetricOptions): CountTable {
  let tables = tablesByMeter.get(meter)
  if (tables === undefined) {
    tables = new Map()
    tablesByMeter.set(meter, tables)
  }
  let table = tables.get(name)
  if (table === undefined) {
    const cells = new Map<string, CountCell & { attributes: Attributes }>()
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const cell of cells.values()) {
        // As a synchronous counter: a set never counted is not reported.
        if (cell.value > 0) result.observe(cell.value, cell.attributes)
      }
    })
    table = {
      cell(attributes) {
        const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)))
        let cell = cells.get(key)
        if (cell === undefined) {
          cell = { attributes: Object.freeze({ ...attributes }), value: 0 }
          cells.set(key, cell)
        }
        return cell
      },
    }
    tables.set(name, table)
  }
  return table
}
