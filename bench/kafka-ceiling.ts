/**
 * The ceiling the relay's drain is measured against: how fast this machine's Kafka takes the records a drain
 * writes when nothing else is done, through the relay's own sink (`@outflow/sink-kafka`, acks=all, idempotent)
 * with no database, decoding or conversion. Records shaped as the Event Router's (key, ~500-byte JSON payload,
 * `id` header), batches of 2,048 (the relay's `max.batch.size`), one batch in flight as in the task loop;
 * once without and once with a transaction per batch (exactly-once). Then the latency floor at 1,000 events/s:
 * a batch of 10 every 10 ms (with exactly-once, plus the offset record the task writes in its transaction),
 * send → acknowledged (committed). Prints events/s and the latencies and appends rows to BENCHMARKS.md.
 *
 * Usage: npm run bench:kafka-ceiling -- [--events 100000] [--batch 2048] [--latency-batches 1000] [--no-record]
 * Needs the local Kafka (`npm run infra -- up`).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ProducerRecord } from '@outflow/relay-core';
import { createKafkaSink } from '@outflow/sink-kafka';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { commitLabel, payload, percentile, recordRows, say } from './support.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2048' },
    'latency-batches': { type: 'string', default: '1000' },
    'no-record': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const batch = Number(values.batch);
const latencyBatches = Number(values['latency-batches']);

function createSink(name: string, transactional: boolean) {
  return createKafkaSink({
    bootstrapServers: kafkaBootstrap,
    clientId: name,
    ...(transactional ? { transactionalId: `${name}-tx` } : {}),
  });
}

/** The record a drain writes: the Event Router's key, JsonConverter envelope and `id` header. */
function eventRecord(topic: string, i: number): ProducerRecord {
  return {
    topic,
    key: Buffer.from(`course-${i % 1000}`),
    value: Buffer.from(
      `{"schema":{"type":"string","optional":false},"payload":${JSON.stringify(JSON.stringify({ ...payload, seq: i }))}}`,
    ),
    headers: [{ key: 'id', value: Buffer.from(randomUUID()) }],
  };
}

async function run(transactional: boolean): Promise<{ rate: number; load: number }> {
  const name = uniqueName('ceiling');
  const sink = createSink(name, transactional);
  const record = (i: number) => eventRecord(`${name}.events`, i);
  try {
    await sink.prepare?.();
    // The topic is created and the producer's connections opened before the clock starts.
    await sink.send([record(-1)]);
    const started = performance.now();
    for (let i = 0; i < events; i += batch)
      await sink.send(Array.from({ length: Math.min(batch, events - i) }, (_, j) => record(i + j)));
    const rate = Math.round(events / ((performance.now() - started) / 1000));
    return { rate, load: Math.round(loadavg()[0]! * 10) / 10 };
  } finally {
    await sink.close();
  }
}

/**
 * 1,000 events/s, each committed alone in the database, as the task loop sends them: what arrived meanwhile
 * (here 10 records every 10 ms), one batch in flight; with a transaction, the offset record goes in it too.
 * Send → acknowledged, ms.
 */
async function latency(
  transactional: boolean,
): Promise<{ p50: number; p99: number; max: number; load: number }> {
  const name = uniqueName('ceiling');
  const sink = createSink(name, transactional);
  const offset = (i: number): ProducerRecord => ({
    topic: `${name}.offsets`,
    key: Buffer.from(`["${name}",{"server":"${name}"}]`),
    value: Buffer.from(`{"file":"mariadb-bin.000001","pos":${i}}`),
    headers: [],
  });
  const times: number[] = [];
  try {
    await sink.prepare?.();
    await sink.send([eventRecord(`${name}.events`, -1), ...(transactional ? [offset(-1)] : [])]);
    for (let b = 0; b < latencyBatches; b++) {
      const records = Array.from({ length: 10 }, (_, j) => eventRecord(`${name}.events`, b * 10 + j));
      if (transactional) records.push(offset(b));
      const sent = performance.now();
      await sink.send(records);
      const ms = performance.now() - sent;
      times.push(ms);
      if (ms < 10) await new Promise((r) => setTimeout(r, 10 - ms));
    }
  } finally {
    await sink.close();
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(times, p) * 10) / 10;
  return { p50: at(50), p99: at(99), max: at(100), load: Math.round(loadavg()[0]! * 10) / 10 };
}

const rows: string[] = [];
const latencyRows: string[] = [];
const date = new Date().toISOString().slice(0, 10);
const mode = (transactional: boolean) => (transactional ? 'a transaction per batch' : 'no transactions');
for (const transactional of [false, true]) {
  say(`${events} records in batches of ${batch}${transactional ? ', a transaction per batch' : ''}…`);
  const { rate, load } = await run(transactional);
  say(`  ${rate} events/s (load ${load})`);
  rows.push(
    `| ${date} | ${commitLabel()} | relay's sink alone, ${mode(transactional)} | ${events} | ${batch} | ${rate} | ${load.toFixed(1)} |`,
  );
  say(`${latencyBatches} batches of 10, one every 10 ms${transactional ? ', a transaction each' : ''}…`);
  const l = await latency(transactional);
  say(`  send → acknowledged p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (load ${l.load})`);
  latencyRows.push(
    `| ${date} | ${commitLabel()} | relay's sink alone, ${mode(transactional)} | ${latencyBatches} × 10 | ${l.p50} / ${l.p99} / ${l.max} | ${l.load.toFixed(1)} |`,
  );
}
if (!values['no-record']) {
  recordRows('<!-- bench rows: `npm run bench:kafka-ceiling` inserts its rows above this line -->', rows);
  recordRows(
    '<!-- bench rows: `npm run bench:kafka-ceiling` inserts its latency rows above this line -->',
    latencyRows,
  );
  say('rows added to BENCHMARKS.md');
}
