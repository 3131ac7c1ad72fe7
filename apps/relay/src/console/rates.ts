import type { ProducerRecord, Sink } from '@outflow/relay-core';
import { observeSends } from '../worker/observed-sink.ts';

/** Events and bytes Kafka acknowledged for one connector during one sample period. */
export interface RateSeries {
  /** End of each sample period (epoch ms), oldest first. */
  readonly t: number[];
  /** Events per second in each period. */
  readonly events: number[];
  /** Bytes (keys, values and headers) per second in each period. */
  readonly bytes: number[];
}

interface Totals {
  events: number;
  bytes: number;
  /** The totals at the last sample, to compute the next period's rate. */
  sampledEvents: number;
  sampledBytes: number;
  series: RateSeries;
}

/**
 * What each connector publishes per second, sampled by the relay itself so the console's charts have the last
 * minutes of history as soon as a page opens (a browser polling `/metrics` would only have what it saw).
 * Counts what `Sink.send` delivered, so retried batches count once and failed ones not at all; the worker's
 * own topics (offsets written in an exactly-once transaction) are not the connector's events.
 */
export class ConsoleRates {
  readonly #totals = new Map<string, Totals>();
  readonly #internalTopics: ReadonlySet<string>;
  readonly #samples: number;
  readonly #intervalMs: number;
  readonly #connectors: () => readonly string[];
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    internalTopics: ReadonlySet<string>;
    /** The connectors that exist: a deleted one's history goes. */
    connectors: () => readonly string[];
    intervalMs?: number;
    /** How many periods are kept (default 300: five minutes of one-second samples). */
    samples?: number;
    now?: () => number;
  }) {
    this.#internalTopics = options.internalTopics;
    this.#connectors = options.connectors;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#samples = options.samples ?? 300;
    this.#now = options.now ?? Date.now;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Starts sampling; the timer does not keep the process alive. */
  start(): void {
    this.#timer ??= setInterval(() => this.sample(), this.#intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * A sink that counts what `sink` delivers for `connector`, and is otherwise `sink` itself: every other
   * member (transactional, prepare, whatever the Sink contract gains) is the wrapped sink's.
   */
  wrap(connector: string, sink: Sink): Sink {
    return observeSends(sink, (records) => {
      const { events, bytes } = delivered(records, this.#internalTopics);
      this.add(connector, events, bytes);
    });
  }

  /** Counts what was delivered for `connector` by a sink this did not wrap (a task thread's). */
  add(connector: string, events: number, bytes: number): void {
    const totals = this.#of(connector);
    totals.events += events;
    totals.bytes += bytes;
  }

  /** Closes one sample period for every connector (the timer calls it; tests call it directly). */
  sample(): void {
    const now = this.#now();
    const alive = new Set(this.#connectors());
    for (const name of this.#totals.keys()) if (!alive.has(name)) this.#totals.delete(name);
    for (const name of alive) {
      const totals = this.#of(name);
      const { series } = totals;
      const previous = series.t[series.t.length - 1];
      const seconds =
        previous === undefined ? this.#intervalMs / 1000 : Math.max(0.001, (now - previous) / 1000);
      series.t.push(now);
      series.events.push((totals.events - totals.sampledEvents) / seconds);
      series.bytes.push((totals.bytes - totals.sampledBytes) / seconds);
      totals.sampledEvents = totals.events;
      totals.sampledBytes = totals.bytes;
      if (series.t.length > this.#samples) {
        series.t.shift();
        series.events.shift();
        series.bytes.shift();
      }
    }
  }

  /** Every connector's series and totals since the relay started. */
  snapshot(): Record<string, RateSeries & { totalEvents: number; totalBytes: number }> {
    const out: Record<string, RateSeries & { totalEvents: number; totalBytes: number }> = {};
    for (const [name, totals] of this.#totals)
      out[name] = { ...totals.series, totalEvents: totals.events, totalBytes: totals.bytes };
    return out;
  }

  #of(connector: string): Totals {
    let totals = this.#totals.get(connector);
    if (totals === undefined) {
      totals = {
        events: 0,
        bytes: 0,
        sampledEvents: 0,
        sampledBytes: 0,
        series: { t: [], events: [], bytes: [] },
      };
      this.#totals.set(connector, totals);
    }
    return totals;
  }
}

/** The bytes a record puts on the wire before compression: key, value, header names and values. */
/** The connector's events among `records` (not the worker's own topics), and their bytes. */
export function delivered(
  records: readonly ProducerRecord[],
  internalTopics: ReadonlySet<string>,
): { events: number; bytes: number } {
  let events = 0;
  let bytes = 0;
  for (const record of records) {
    if (internalTopics.has(record.topic)) continue;
    events++;
    bytes += recordBytes(record);
  }
  return { events, bytes };
}

function recordBytes(record: ProducerRecord): number {
  let n = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) n += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return n;
}
