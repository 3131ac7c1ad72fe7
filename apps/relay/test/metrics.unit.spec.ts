import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { INBOX_METRICS } from '@outflow/inbox';
import type { SourceBacklog, SourcePending, SourceRecord, SourceTask } from '@outflow/relay-core';
import { renderMetricsDoc } from '../src/docs/generate.ts';
import { RELAY_METRICS, RelayMetrics, RUNTIME_METRICS } from '../src/metrics.ts';

/** A source task whose queue and log end the test sets. */
class FakeTask implements SourceTask {
  pendingNow: SourcePending = { records: 0 };
  backlogNow: SourceBacklog | undefined = { bytes: 0, exact: true };
  backlogCalls = 0;
  async start(): Promise<void> {}
  async poll(): Promise<SourceRecord[]> {
    return [];
  }
  async stop(): Promise<void> {}
  pending(): SourcePending {
    return this.pendingNow;
  }
  async backlog(): Promise<SourceBacklog | undefined> {
    this.backlogCalls++;
    return this.backlogNow;
  }
}

function sample(text: string, name: string, connector = 'c'): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{connector="${connector}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

function setup() {
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms), now: () => now };
  const metrics = new RelayMetrics({ now: clock.now, runtime: false });
  const c = metrics.forConnector('c');
  const task = new FakeTask();
  c.setState('RUNNING');
  c.sourceConnected(true);
  c.sinkConnected(true);
  c.sourceTask?.(task);
  return { metrics, c, task, clock };
}

describe('outflow_source_lag_seconds', () => {
  it('is 0 when nothing waits and the log is read to its end, and stays 0 while idle', async () => {
    const { metrics, clock } = setup();
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 0);
    clock.advance(60_000);
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 0);
  });

  it('counts from the oldest change in hand: being sent (Kafka stuck) or queued in the source', async () => {
    const { metrics, c, task, clock } = setup();
    const committed = clock.now() - 2000;
    c.sendStarted?.(3, committed);
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 2);
    assert.equal(sample(await metrics.render(), 'outflow_sink_in_flight_records'), 3);
    clock.advance(10_000);
    c.sinkConnected(false);
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 12, 'grows while stuck');
    c.sinkConnected(true);
    c.published?.([committed, committed + 500], clock.now());
    c.recordsPublished(2, committed + 500, { pos: 1 });
    task.pendingNow = { records: 7, oldestSourceTsMs: clock.now() - 1500 };
    const text = await metrics.render();
    assert.equal(sample(text, 'outflow_source_lag_seconds'), 1.5);
    assert.equal(sample(text, 'outflow_source_queue_records'), 7);
    assert.equal(sample(text, 'outflow_source_backlog_events'), 7);
    assert.match(text, /outflow_commit_to_publish_seconds_count\{connector="c"\} 2/);
    assert.match(text, /outflow_commit_to_publish_seconds_bucket\{le="30",connector="c"\} 2/);
  });

  it('grows while idle but behind: nothing in hand, yet the binlog end moved past the read position', async () => {
    const { metrics, c, task, clock } = setup();
    c.recordsPublished(1, clock.now() - 100, { pos: 1 });
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 0);
    const caughtUp = clock.now();
    task.backlogNow = { bytes: 4096, exact: true };
    clock.advance(5000);
    let text = await metrics.render();
    assert.equal(sample(text, 'outflow_source_backlog_bytes'), 4096);
    assert.equal(sample(text, 'outflow_source_lag_seconds'), (clock.now() - caughtUp) / 1000);
    clock.advance(5000);
    text = await metrics.render();
    assert.equal(sample(text, 'outflow_source_lag_seconds'), 10, 'keeps growing');
  });

  it('does not take an inexact backlog (PostgreSQL WAL of other databases) for being behind', async () => {
    const { metrics, task, clock } = setup();
    task.backlogNow = { bytes: 1 << 20, exact: false };
    clock.advance(5000);
    const text = await metrics.render();
    assert.equal(sample(text, 'outflow_source_lag_seconds'), 0);
    assert.equal(sample(text, 'outflow_source_backlog_bytes'), 1 << 20);
  });

  it('grows while the database is unreachable, and while the connector is paused', async () => {
    const { metrics, c, clock } = setup();
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 0);
    c.sourceConnected(false);
    clock.advance(3000);
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 3);
    c.sourceConnected(true);
    c.setState('PAUSED');
    clock.advance(2000);
    assert.equal(sample(await metrics.render(), 'outflow_source_lag_seconds'), 5);
  });

  it('asks the database at most once a second however often it is scraped', async () => {
    const { metrics, task, clock } = setup();
    await metrics.render();
    await metrics.render();
    assert.equal(task.backlogCalls, 1);
    clock.advance(1000);
    await metrics.render();
    assert.equal(task.backlogCalls, 2);
  });
});

describe('RelayMetrics', () => {
  it('keeps the connector series (errors by kind, state, position) and removes them all with the connector', async () => {
    const { metrics, c } = setup();
    c.error(Object.assign(new Error('x'), { code: 'SOURCE_UNAVAILABLE' }));
    c.error(new Error('no code'));
    c.offsetsCommitted({ file: 'binlog.000002', pos: 120 });
    c.offsetsCommitted({ file: 'binlog.000002', pos: 180 });
    let text = await metrics.render();
    assert.match(text, /outflow_errors_total\{connector="c",kind="SOURCE_UNAVAILABLE"\} 1/);
    assert.match(text, /outflow_errors_total\{connector="c",kind="UNKNOWN"\} 1/);
    assert.match(text, /outflow_connector_state\{connector="c",state="RUNNING"\} 1/);
    assert.match(text, /outflow_source_position_info\{connector="c",file="binlog.000002",pos="180"\} 1/);
    assert.doesNotMatch(text, /pos="120"/, 'only the current position is a series');
    assert.match(text, /# TYPE outflow_commit_to_publish_seconds histogram/);
    metrics.remove('c');
    text = await metrics.render();
    assert.doesNotMatch(text, /connector="c"/);
  });

  it('exports Node runtime metrics', async () => {
    const text = await new RelayMetrics().render();
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds [\d.e-]+/m);
    assert.match(text, /^process_uptime_seconds \d+/m);
  });
});

describe('the metrics table', () => {
  it('lists what the relay registers, runtime metrics included', async () => {
    const metrics = new RelayMetrics();
    metrics.forConnector('c').offsetsCommitted({ file: 'f', pos: 1 });
    const families = new Set([...(await metrics.render()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const spec of [...Object.values(RELAY_METRICS), ...RUNTIME_METRICS])
      assert.ok(families.has(spec.name), `${spec.name} is documented but not registered`);
  });

  it('is the committed docs/metrics.md (run `npm run docs -w @outflow/relay` after changing a metric)', async () => {
    const committed = await readFile(join(import.meta.dirname, '..', 'docs', 'metrics.md'), 'utf8');
    assert.equal(committed, renderMetricsDoc(INBOX_METRICS));
  });
});
