/**
 * The Event Router's tracing (Debezium's `ActivateTracingSpan`, which the router runs on each outbox row):
 * the row's `tracing.span.context.field` column holds the writer's span context as `java.util.Properties` text;
 * a `db-log-write` span (from the database commit time, tagged with the `source` block) continues that trace,
 * the `tracing.operation.name` span (`debezium-read`, from the relay's processing time) is its child, and the
 * latter's context goes into the record's headers (`traceparent`, `tracestate`, as the registered propagator
 * writes them) for the consumer to continue. Only the OpenTelemetry API is used: with no SDK registered (no
 * propagator) nothing runs and the record is unchanged, byte for byte what Debezium writes without tracing.
 */
import {
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import type { ConfigKey, Header, SourceRecord, Struct, Transform } from '@outflow/relay-core';

const tracer = trace.getTracer('@outflow/transforms');

/** The tracing options (Debezium's `ActivateTracingSpan`, which the Event Router takes too). */
export interface TracingOptions {
  readonly spanContextField: string;
  readonly operationName: string;
  readonly withContextFieldOnly: boolean;
}

/** Debezium's `tracing.*` options, declared once for the Event Router and `ActivateTracingSpan`. */
export const TRACING_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'tracing.span.context.field',
    type: 'string',
    default: 'tracingspancontext',
    validate: (value) =>
      typeof value === 'string' && value.trim() === '' ? 'must name a column' : undefined,
    description:
      "The column holding the writer's span context as java.util.Properties text (traceparent=…), which the 'db-log-write' span continues. Tracing runs only when OpenTelemetry is configured (OTEL_* variables); otherwise records are unchanged.",
  },
  {
    name: 'tracing.operation.name',
    type: 'string',
    default: 'debezium-read',
    validate: (value) => (typeof value === 'string' && value.trim() === '' ? 'must not be empty' : undefined),
    description:
      "The name of the relay's processing span, a child of 'db-log-write'; its context is written in the record's traceparent/tracestate headers.",
  },
  {
    name: 'tracing.with.context.field.only',
    type: 'boolean',
    default: false,
    description:
      'Whether only rows with a span context are traced (true), or rows without one start a new trace (false).',
  },
];

/** The options from values parsed by a ConfigDef holding {@link TRACING_CONFIG_KEYS}. */
export function toTracingOptions(values: Readonly<Record<string, unknown>>): TracingOptions {
  return {
    spanContextField: (values['tracing.span.context.field'] as string).trim(),
    operationName: (values['tracing.operation.name'] as string).trim(),
    withContextFieldOnly: values['tracing.with.context.field.only'] as boolean,
  };
}

/**
 * Debezium's `io.debezium.transforms.tracing.ActivateTracingSpan` for change events that are not routed by
 * the Event Router: the same spans, the context read from the `after` row, the headers added to the event.
 * Tombstones and records that are not change events pass unchanged.
 */
export class ActivateTracingSpan implements Transform {
  readonly #options: TracingOptions;

  constructor(options: TracingOptions) {
    this.#options = options;
  }

  apply(record: SourceRecord): SourceRecord {
    if (record.value === null || !record.valueSchema?.name?.endsWith('.Envelope')) return record;
    const envelope = record.value as Struct;
    const after = (envelope.after ?? null) as Struct | null;
    const headers = traceOutboxRow(this.#options, envelope, after ?? {});
    return headers.length === 0 ? record : { ...record, headers: [...record.headers, ...headers] };
  }
}

const propertiesGetter: TextMapGetter<Map<string, string>> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key),
};

/**
 * The spans of one outbox row, and the headers that carry the last one; none when tracing is off, or when
 * `tracing.with.context.field.only` is set and the row has no span context.
 */
export function traceOutboxRow(options: TracingOptions, envelope: Struct, row: Struct): Header[] {
  if (propagation.fields().length === 0) return [];
  const serialized = row[options.spanContextField];
  const text = typeof serialized === 'string' && serialized.trim() !== '' ? serialized : undefined;
  if (text === undefined && options.withContextFieldOnly) return [];
  const parent =
    text === undefined
      ? ROOT_CONTEXT
      : propagation.extract(ROOT_CONTEXT, parseJavaProperties(text), propertiesGetter);

  const source = (envelope.source ?? null) as Struct | null;
  const committedMs = toMillis(source?.ts_ms);
  const logWrite = tracer.startSpan(
    'db-log-write',
    {
      kind: SpanKind.INTERNAL,
      ...(committedMs === undefined ? {} : { startTime: committedMs }),
      attributes: sourceAttributes(source),
    },
    parent,
  );
  const processedMs = toMillis(envelope.ts_ms);
  const afterLogWrite = trace.setSpan(parent, logWrite);
  const read: Span = tracer.startSpan(
    options.operationName,
    {
      kind: SpanKind.INTERNAL,
      ...(processedMs === undefined ? {} : { startTime: processedMs }),
      attributes: {
        ...(typeof envelope.op === 'string' ? { op: envelope.op } : {}),
        ...(processedMs === undefined ? {} : { ts_ms: String(processedMs) }),
      },
    },
    afterLogWrite,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(afterLogWrite, read), carrier);
  read.end();
  // Debezium ends db-log-write at the commit time it started from: the span marks the log write, not the wait.
  logWrite.end(committedMs);
  return Object.entries(carrier).map(([key, value]) => ({ key, value }));
}

/** Debezium's tags from the `source` block: `db.<field>`, with db → instance, connector → type, name → cdc-name. */
function sourceAttributes(source: Struct | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (source === null) return out;
  for (const [field, value] of Object.entries(source)) {
    if (value === null || value === undefined) continue;
    const name =
      field === 'db' ? 'instance' : field === 'connector' ? 'type' : field === 'name' ? 'cdc-name' : field;
    out[`db.${name}`] = String(value);
  }
  return out;
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/**
 * Reads `java.util.Properties.load` text: `#`/`!` comment lines, `key=value`, `key:value` or `key value`,
 * backslash escapes (`\t`, `\n`, `\uXXXX`, any other character as itself) and lines continued by a trailing
 * backslash.
 */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const physical = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < physical.length; i++) {
    let line = (physical[i] as string).replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithOddBackslashes(line) && i + 1 < physical.length) {
      line = line.slice(0, -1) + (physical[++i] as string).replace(/^[ \t\f]+/, '');
    }
    let keyEnd = 0;
    while (keyEnd < line.length) {
      const ch = line[keyEnd] as string;
      if (ch === '\\') keyEnd += 2;
      else if (ch === '=' || ch === ':' || ch === ' ' || ch === '\t' || ch === '\f') break;
      else keyEnd++;
    }
    let valueStart = keyEnd;
    while (valueStart < line.length && /[ \t\f]/.test(line[valueStart] as string)) valueStart++;
    if (line[valueStart] === '=' || line[valueStart] === ':') valueStart++;
    while (valueStart < line.length && /[ \t\f]/.test(line[valueStart] as string)) valueStart++;
    out.set(unescapeProperty(line.slice(0, keyEnd)), unescapeProperty(line.slice(valueStart)));
  }
  return out;
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function unescapeProperty(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    return esc === 't' ? '\t' : esc === 'n' ? '\n' : esc === 'r' ? '\r' : esc === 'f' ? '\f' : esc;
  });
}
