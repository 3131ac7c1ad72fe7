import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretScrubber } from '../src/secrets.ts';

const CONFIG = {
  'database.hostname': '127.0.0.1',
  'database.user': 'outflow',
  'database.password': 'outflow',
  'topic.prefix': 'shop',
};

describe('SecretScrubber', () => {
  it('masks a short secret only where it stands alone, never inside other words', () => {
    const scrubber = new SecretScrubber();
    scrubber.addConfig(CONFIG);
    const line =
      '{"level":30,"service":"outflow-relay","topic":"outflow.events","config":{"database.user":"outflow","database.password":"outflow"},"msg":"connected"}';
    assert.equal(
      scrubber.scrub(line),
      '{"level":30,"service":"outflow-relay","topic":"outflow.events","config":{"database.user":"outflow","database.password":"********"},"msg":"connected"}',
    );
    assert.equal(
      scrubber.scrub('cannot connect to mysql://outflow:outflow@db:3306/shop'),
      'cannot connect to mysql://********:********@db:3306/shop',
    );
    assert.equal(scrubber.scrub('"password":"outflow"'), '"password":"********"');
    assert.equal(scrubber.scrub('rejected password outflow.'), 'rejected password ********.');
    assert.equal(scrubber.scrub('outflowing outflow_x xoutflow'), 'outflowing outflow_x xoutflow');
  });

  it('masks a secret of 8 characters or more everywhere, also JSON-escaped', () => {
    const scrubber = new SecretScrubber();
    scrubber.addConfig({ ...CONFIG, 'database.password': 's3cret"pw' });
    assert.equal(scrubber.scrub('xs3cret"pwx'), `x********x`);
    assert.equal(scrubber.scrub(JSON.stringify({ m: 'pw=s3cret"pw;' })), '{"m":"pw=********;"}');
  });

  it('ignores secrets shorter than 3 characters', () => {
    const scrubber = new SecretScrubber();
    scrubber.addConfig({ 'database.password': 'ab' });
    assert.equal(scrubber.scrub('"ab"'), '"ab"');
  });
});
