import type { Handler, InboxEvent } from '@outflow/inbox';
import { transactionOf } from './executor.ts';

/**
 * A handler written against a library's transaction type, adapted to the inbox's {@link Handler}: the inbox
 * passes the executor its `InboxDatabase` made, and the handler is given the library transaction behind it.
 */
export function handlerFor<Tx, TPayload, TType extends string>(
  adapter: string,
  fn: (tx: Tx, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return (executor, event) => fn(transactionOf<Tx>(executor, adapter), event);
}
