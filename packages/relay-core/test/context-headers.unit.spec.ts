import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextHeaders } from '../src/index.ts';

describe('Debezium 3 context headers', () => {
  it('carries logical name, task id, connector name and run id, in that order', () => {
    const headers = contextHeaders({ enabled: true, logicalName: 'dbserver1', connectorName: 'mariadb' });
    assert.deepEqual(
      headers.map((h) => h.key),
      [
        '__debezium.context.connectorLogicalName',
        '__debezium.context.taskId',
        '__debezium.context.connectorName',
        '__debezium.context.runId',
      ],
    );
    assert.deepEqual(
      headers.slice(0, 3).map((h) => h.value),
      ['dbserver1', '0', 'mariadb'],
    );
    assert.match(
      String(headers[3]!.value),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('draws a new run id each time (each task run)', () => {
    const runId = () =>
      contextHeaders({ enabled: true, logicalName: 'p', connectorName: 'postgresql' })[3]!.value;
    assert.notEqual(runId(), runId());
  });

  it('is empty when extended.headers.enabled is false', () => {
    assert.deepEqual(contextHeaders({ enabled: false, logicalName: 'p', connectorName: 'mysql' }), []);
  });
});
