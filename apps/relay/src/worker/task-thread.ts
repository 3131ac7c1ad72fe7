/**
 * A connector's task in a worker thread of its own (`task.isolation=thread`): the source, its transforms
 * and converters and the task's Kafka producer run here, on their own event loop and, with a second core,
 * beside the REST API and the other connectors' tasks instead of between their requests. The offsets stay
 * in the main thread's store (one store for the worker, as in Connect); log lines, metrics and the task's
 * state go to the main thread, which scrubs, exports and reports them (`ThreadedConnectorRunner`).
 */
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { OffsetStore, ProducerRecord, SourcePending, SourceTask } from '@outflow/relay-core';
import { importWithLazyValidators } from '../lazy-validators.ts';
import type { ConnectorMetrics } from '../metrics.ts';
import { observeSends } from './observed-sink.ts';
import {
  type FromThread,
  type OffsetCall,
  PortCalls,
  reviveRecords,
  type TaskThreadData,
  type ToThread,
  toWireError,
} from './task-thread-protocol.ts';

// A thread does not share the main thread's compile cache (cli.ts): without its own, every task thread
// compiles the relay's modules again (~75 ms of each start).
process.getBuiltinModule('node:module').enableCompileCache?.();

const port = parentPort;
if (port === null) throw new Error('task-thread.ts runs as a worker thread of the relay');

// Sent once per turn of the event loop: a batch's metrics, log lines and calls travel as one message.
let outgoing: FromThread[] = [];
function post(message: FromThread): void {
  if (outgoing.length === 0) setImmediate(flush);
  outgoing.push(message);
}
function flush(): void {
  if (outgoing.length === 0) return;
  const batch = outgoing;
  outgoing = [];
  port!.postMessage(batch);
}

const [
  { ConnectorRunner },
  { createKafkaSink },
  { validateConnectorConfig },
  { defaultPlugins },
  logging,
  rates,
] = await importWithLazyValidators(() =>
  Promise.all([
    import('./connector-runner.ts'),
    import('@outflow/sink-kafka'),
    import('./framework-config.ts'),
    import('../default-plugins.ts'),
    import('../logging.ts'),
    import('../console/rates.ts'),
  ]),
);
const { startTracing } = await import('../tracing.ts');
const stopTracing = await startTracing('outflow-relay');

const calls = new PortCalls();
/** The running source task, which the main thread's metrics ask for its backlog. */
let task: SourceTask | null = null;
let runner: InstanceType<typeof ConnectorRunner> | undefined;

/** The connector's task, built from what the main thread sent once this thread was wanted. */
function taskRunner(data: TaskThreadData): InstanceType<typeof ConnectorRunner> {
  const logger = logging
    .createRelayLogger({
      level: data.logLevel,
      // The main thread writes each line through its secret scrubber to the relay's log destination.
      destination: new Writable({
        decodeStrings: false,
        write(line: string, _encoding, callback) {
          post({ t: 'log', line });
          callback();
        },
      }),
    })
    .child({ connector: data.connector, task: 0 });

  const offsetCall = <T>(call: OffsetCall): Promise<T> =>
    calls.call<T>((id) => post({ t: 'call', id, call }));
  const offsetStore: OffsetStore = {
    get: (_connector, partition) => offsetCall({ op: 'get', partition }),
    set: (_connector, entries) => offsetCall({ op: 'set', entries }),
    ...(data.offsetStore.atomically
      ? {
          async setAtomically(_connector, entries, send) {
            let id = 0;
            const records = reviveRecords(
              await calls.call<ProducerRecord[]>((callId) => {
                id = callId;
                post({ t: 'call', id, call: { op: 'setAtomically', entries } });
              }),
            );
            try {
              await send(records);
            } catch (error) {
              post({ t: 'sent-offsets', id, error: toWireError(error) });
              throw error;
            }
            post({ t: 'sent-offsets', id });
          },
        }
      : {}),
    ...(data.offsetStore.refresh ? { refresh: () => offsetCall<void>({ op: 'refresh' }) } : {}),
    close: async () => {},
  };

  const pending = (): void => {
    const snapshot: SourcePending | undefined = task?.pending?.();
    if (snapshot !== undefined) post({ t: 'pending', pending: snapshot });
  };
  const metric =
    (name: keyof ConnectorMetrics) =>
    (...args: unknown[]): void =>
      post({ t: 'metric', name, args });
  const metrics: ConnectorMetrics = {
    recordsRead: (count) => {
      metric('recordsRead')(count);
      pending();
    },
    recordsPublished: (count, sourceTsMs, offset) => {
      metric('recordsPublished')(count, sourceTsMs, offset);
      pending();
    },
    recordsFiltered: metric('recordsFiltered'),
    offsetsCommitted: metric('offsetsCommitted'),
    // Counted by its code only: the error itself is in the task's trace and log line.
    error: (error) => metric('error')({ code: (error as { code?: unknown } | null)?.code }),
    sinkConnected: metric('sinkConnected'),
    sourceConnected: metric('sourceConnected'),
    // The main thread's runner sets it with each state it is told.
    setState: () => {},
    sourceTask: (current) => {
      task = current as SourceTask | null;
      post({ t: 'task', present: current !== null, backlog: current?.backlog !== undefined });
    },
    sendStarted: metric('sendStarted'),
    sendEnded: metric('sendEnded'),
    published: metric('published'),
  };

  const internalTopics = new Set(data.internalTopics);
  const seenTopics = new Set<string>();
  return new ConnectorRunner({
    // Validated by the main thread already, with the same plugins: this builds the parsed form again here.
    config: validateConnectorConfig(data.config, defaultPlugins()),
    offsetStore,
    createSink: () =>
      observeSends(
        createKafkaSink({ ...data.sink, logger: logger.child({ component: 'sink' }) }),
        (records) => {
          const topics: string[] = [];
          for (const { topic } of records)
            if (!internalTopics.has(topic) && !seenTopics.has(topic)) {
              seenTopics.add(topic);
              topics.push(topic);
            }
          post({ t: 'sent', ...rates.delivered(records, internalTopics), topics });
        },
      ),
    offsetFlushIntervalMs: data.offsetFlushIntervalMs,
    ...(data.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: data.shutdownTimeoutMs }),
    logger,
    metrics,
    // Traces are scrubbed by the main thread, which holds the secrets.
    scrub: (text) => text,
    ...(data.backoff === undefined ? {} : { backoff: data.backoff }),
    onStateChange: (state, trace) => post({ t: 'state', state, trace }),
    onTrace: (trace) => post({ t: 'trace', trace }),
  });
}

// Modules are loaded before the task is known: a spare thread (threaded-runner.ts) waits here for `run`.
port.on('message', (message: ToThread) => {
  switch (message.t) {
    case 'run':
      runner = taskRunner(message.data);
      runner.start();
      break;
    case 'start':
      runner?.start();
      break;
    case 'stop':
      void (runner?.stop() ?? Promise.resolve()).then(stopTracing).finally(() => {
        post({ t: 'stopped' });
        flush();
      });
      break;
    case 'reply':
      calls.settle(message);
      break;
    case 'backlog':
      (task?.backlog?.() ?? Promise.resolve(undefined)).then(
        (value) => post({ t: 'reply', id: message.id, value }),
        (error: unknown) => post({ t: 'reply', id: message.id, error: toWireError(error) }),
      );
      break;
  }
});
