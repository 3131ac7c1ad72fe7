import type { ProducerRecord, Sink } from '@outflow/relay-core';

/**
 * `sink` itself, except that `send` hands its records to `observe` once Kafka acknowledged them (a failed send
 * is not observed): every other member (transactional, prepare, whatever the Sink contract gains) is the
 * wrapped sink's. The herder notes the topics a task writes with it, the console counts what was delivered.
 */
export function observeSends(sink: Sink, observe: (records: readonly ProducerRecord[]) => void): Sink {
  const send = async (records: readonly ProducerRecord[]): Promise<void> => {
    await sink.send(records);
    observe(records);
  };
  return new Proxy(sink, {
    get(target, property) {
      if (property === 'send') return send;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
