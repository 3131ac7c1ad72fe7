/**
 * The ceiling the relay's drain is measured against: how fast this machine's Kafka takes the records a drain
 * writes when nothing else is done, through the relay's own sink (`@outflow/sink-kafka`, acks=all, idempotent)
 * with no database, decoding or conversion. Records shaped as the Event Router's (key, ~500-byte JSON payload,
 * `id` header), batches of 2,048 (the relay's `max.batch.size`), one batch in flight as in the task loop;
 * once without and once with a transaction per batch (exactly-once). Prints events/s and appends a row per mode
 * to BENCHMARKS.md.
 *
 * Usage: npm run bench:kafka-ceiling -- [--events 100000] [--batch 2048] [--no-record]
 * Needs the local Kafka (`npm run infra -- up`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProducerRecord } from '@outflow/relay-core';
import { createKafkaSink } from '@outflow/sink-kafka';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { commitLabel, payload, say } from './support.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2048' },
    'no-record': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const batch = Number(values.batch);

async function run(transactional: boolean): Promise<{ rate: number; load: number }> {
  const name = uniqueName('ceiling');
  const sink = createKafkaSink({
    bootstrapServers: kafkaBootstrap,
    clientId: name,
    ...(transactional ? { transactionalId: `${name}-tx` } : {}),
  });
  const topic = `${name}.events`;
  const record = (i: number): ProducerRecord => ({
    topic,
    key: Buffer.from(`course-${i % 1000}`),
    // The JsonConverter's envelope around the payload's JSON text, as the Event Router's records carry it.
    value: Buffer.from(
      `{"schema":{"type":"string","optional":false},"payload":${JSON.stringify(JSON.stringify({ ...payload, seq: i }))}}`,
    ),
    headers: [{ key: 'id', value: Buffer.from(randomUUID()) }],
  });
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

const rows: string[] = [];
const date = new Date().toISOString().slice(0, 10);
for (const transactional of [false, true]) {
  say(`${events} records in batches of ${batch}${transactional ? ', a transaction per batch' : ''}…`);
  const { rate, load } = await run(transactional);
  say(`  ${rate} events/s (load ${load})`);
  rows.push(
    `| ${date} | ${commitLabel()} | relay's sink alone, ${transactional ? 'a transaction per batch' : 'no transactions'} | ${events} | ${batch} | ${rate} | ${load.toFixed(1)} |`,
  );
}
if (!values['no-record']) {
  const marker = '<!-- bench rows: `npm run bench:kafka-ceiling` inserts its rows above this line -->';
  const file = join(new URL('..', import.meta.url).pathname, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(marker)) throw new Error(`BENCHMARKS.md has no line ${marker}`);
  writeFileSync(file, text.replace(marker, `${rows.join('\n')}\n${marker}`));
  say('rows added to BENCHMARKS.md');
}
