import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureLists, normaliseSnapshotMode, validateRegexList } from '../src/index.ts';

describe('source capture lists', () => {
  it('matches whole names, never a system namespace, and excludes columns', () => {
    const lists = new CaptureLists({
      namespaceInclude: ['app|shop'],
      tableExclude: ['shop\\.tmp_.*'],
      columnExclude: ['app\\.users\\.password'],
      isSystemNamespace: (ns) => ns === 'sys',
    });
    assert.equal(lists.includesTable('app', 'users'), true);
    assert.equal(lists.includesTable('apps', 'users'), false);
    assert.equal(lists.includesTable('shop', 'tmp_1'), false);
    assert.equal(
      new CaptureLists({ isSystemNamespace: (ns) => ns === 'sys' }).includesNamespace('sys'),
      false,
    );
    assert.equal(lists.includesColumn('app', 'users', 'password'), false);
    assert.equal(lists.includesColumn('app', 'users', 'name'), true);
  });

  it("orders snapshot tables by the include list's expressions, as Debezium does", () => {
    const lists = new CaptureLists({
      tableInclude: ['public.types', 'public.o.*'],
      isSystemNamespace: () => false,
    });
    const ids = ['public.orders', 'public.outbox', 'public.types'];
    assert.deepEqual(
      lists.snapshotOrder(ids, (t) => t),
      ['public.types', 'public.orders', 'public.outbox'],
    );
    const all = new CaptureLists({ isSystemNamespace: () => false });
    assert.deepEqual(
      all.snapshotOrder(ids, (t) => t),
      ids,
    );
  });

  it('names a pattern that does not compile', () => {
    assert.equal(validateRegexList(['ok.*']), undefined);
    assert.match(validateRegexList(['a(']) ?? '', /'a\(' is not a valid regular expression/);
    assert.match(validateRegexList(['ok', '(db)\\1']) ?? '', /'\(db\)\\1' uses a backreference.*linear time/);
  });

  it('matches a catastrophic-looking list entry against a long name in linear time', () => {
    const lists = new CaptureLists({ tableInclude: ['(a+)+\\.outbox'], isSystemNamespace: () => false });
    assert.equal(lists.includesTable('a'.repeat(50_000), 'outbox'), true);
    assert.equal(lists.includesTable(`${'a'.repeat(50_000)}!`, 'outbox'), false);
  });

  it('reads the old snapshot mode names as no_data', () => {
    assert.equal(normaliseSnapshotMode('NEVER'), 'no_data');
    assert.equal(normaliseSnapshotMode('schema_only'), 'no_data');
    assert.equal(normaliseSnapshotMode('when_needed'), 'when_needed');
  });
});
