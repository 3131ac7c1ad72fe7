// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${name}' is Java's regex replacement syntax here, not a template
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigRegexError,
  checkConfigRegex,
  compileConfigRegex,
  compileConfigReplacement,
} from '../src/index.ts';

describe('configuration regexes (Java syntax, RE2 engine)', () => {
  it('matches (a+)+ against 100,000 characters without backtracking, with the right answers', () => {
    const regex = compileConfigRegex('(?<routedByValue>(a+)+)');
    const long = 'a'.repeat(100_000);
    const started = performance.now();
    assert.equal(regex.matchesWhole(`${long}!`), false);
    assert.equal(regex.matchesWhole(long), true);
    const match = regex.find(`${long}!`);
    assert.equal(match?.start, 0);
    assert.equal(match?.end, 100_000);
    assert.equal(match?.named('routedByValue')?.length, 100_000);
    // A backtracking engine needs 2^40 steps for 40 characters; linear matching of all the above takes
    // milliseconds. The bound is generous so that a loaded machine never fails it.
    assert.ok(performance.now() - started < 10_000);
  });

  it('reads named groups, \\A, \\z, \\Z, \\Q…\\E and inline flags as Java does', () => {
    const named = compileConfigRegex('(?<type>[A-Z]\\w*)-(\\d+)');
    assert.equal(named.groupCount, 2);
    assert.deepEqual([...named.groupNames], ['type']);
    const m = named.find('x Order-42');
    assert.equal(m?.named('type'), 'Order');
    assert.equal(m?.group(2), '42');
    assert.equal(compileConfigRegex('\\Aab\\z').matchesWhole('ab'), true);
    assert.equal(compileConfigRegex('ab\\Z').matchesWhole('ab'), true);
    assert.equal(compileConfigRegex('\\Qa.b\\E').matchesWhole('a.b'), true);
    assert.equal(compileConfigRegex('\\Qa.b\\E').matchesWhole('axb'), false);
    assert.equal(compileConfigRegex('(?i)order').matchesWhole('ORDER'), true);
    assert.equal(compileConfigRegex('(?iu)order').matchesWhole('Order'), true);
    assert.equal(compileConfigRegex('(?u:x)y').matchesWhole('xy'), true);
    assert.equal(compileConfigRegex('[]a]+').matchesWhole(']a'), true);
    assert.equal(compileConfigRegex('x}+').matchesWhole('x}}'), true);
    assert.equal(compileConfigRegex('order', { caseInsensitive: true }).matchesWhole('Order'), true);
    // Java's POSIX classes, outside and inside a bracket class, negated too.
    assert.equal(compileConfigRegex('\\p{Alpha}+\\P{Alpha}').matchesWhole('Order1'), true);
    assert.equal(compileConfigRegex('\\p{Alpha}+\\P{Alpha}').matchesWhole('Order'), false);
    assert.equal(compileConfigRegex('[\\p{Upper}\\p{Digit}_]+').matchesWhole('A_1'), true);
    assert.equal(compileConfigRegex('[\\p{Upper}\\p{Digit}_]+').matchesWhole('a'), false);
    assert.equal(compileConfigRegex('[\\P{Alnum}]').matchesWhole('.'), true);
  });

  it('refuses a pattern too long to compile promptly, before compiling it', () => {
    const reason = checkConfigRegex(`t${'x'.repeat(9 * 1024 * 1024)}`);
    assert.match(reason ?? '', /is 9437185 characters long; a regular expression may have at most 65536/);
    assert.equal(checkConfigRegex('x'.repeat(65_536)), undefined);
  });

  it('refuses what cannot run in linear time, saying why', () => {
    for (const [pattern, why] of [
      ['(a)\\1', /backreference/],
      ['(?<x>a)\\k<x>', /named backreference/],
      ['a(?=b)', /lookaround/],
      ['a(?!b)', /lookaround/],
      ['(?<=a)b', /lookaround/],
      ['(?<!a)b', /lookaround/],
      ['(?>a+)b', /atomic group/],
      ['a*+', /possessive/],
      ['a{2,3}+', /possessive/],
    ] as const) {
      assert.throws(() => compileConfigRegex(pattern), ConfigRegexError, pattern);
      assert.match(checkConfigRegex(pattern) ?? '', why, pattern);
      assert.match(checkConfigRegex(pattern) ?? '', /linear time/, pattern);
    }
  });

  it('refuses Java syntax RE2 would read differently, and plain syntax errors', () => {
    for (const [pattern, why] of [
      ['[a-z&&[^aeiou]]', /intersection/],
      ['[a[b]]', /nested character class/],
      ['\\p{javaLowerCase}', /Java-only class/],
      ['\\p{IsAlpha}', /Java-only class/],
      ['(?x) a', /inline flag 'x'/],
      ['(?U)a', /inline flag 'U'/],
      ['(', /not a valid regular expression/],
      ['a{1001}', /not a valid regular expression/],
    ] as const) {
      assert.match(checkConfigRegex(pattern) ?? '', why, pattern);
    }
    assert.equal(checkConfigRegex('[\\[\\]]'), undefined);
  });

  it('expands Java replacements and refuses references to groups the regex lacks', () => {
    const regex = compileConfigRegex('(?<x>a)(?<y>b)');
    const expand = (replacement: string) =>
      compileConfigReplacement(regex, replacement).expand(regex.find('ab') ?? assert.fail('no match'));
    assert.equal(expand('${y}-${x}-$0'), 'b-a-ab');
    assert.equal(expand('$10'), 'a0');
    assert.equal(expand('\\$1'), '$1');
    for (const [replacement, why] of [
      ['${z}', /group 'z', which the regex does not define/],
      ['$3', /group 3, but the regex has 2/],
      ['x$', /ends with '\$'/],
      ['x\\', /lone backslash/],
      ['${x', /without a closing/],
    ] as const) {
      assert.throws(() => compileConfigReplacement(regex, replacement), why, replacement);
    }
  });
});
