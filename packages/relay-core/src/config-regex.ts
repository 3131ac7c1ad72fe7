import { RE2JS } from 're2js';
import { RelayError } from './errors.ts';

/**
 * The one place where a regular expression written in configuration becomes something that runs.
 *
 * Users write Java regexes (Debezium and Kafka Connect compile them with `java.util.regex`), and the relay
 * runs them on values that come from database rows. A backtracking engine (JavaScript's `RegExp`, Java's
 * own) can take exponential time on a pattern like `(a+)+` and one unlucky row, which stops the whole
 * process. So every pattern runs on RE2 (the `re2js` port), whose matching time is linear in the input.
 *
 * Java syntax that RE2 reads the same way is passed through: named groups `(?<name>…)`, `\A`, `\z`,
 * `\Q…\E`, inline flags `(?i)`, `(?s)`, `(?m)`; the POSIX classes `\p{Alpha}`, `\P{Digit}`… become RE2's
 * `[[:alpha:]]`, `[[:^digit:]]`. Java syntax that cannot run in linear time (backreferences,
 * lookaround, atomic groups, possessive quantifiers) or that RE2 would read differently (nested classes,
 * class intersections, `\p{javaLowerCase}`-style classes, the `x`, `d` and `U` flags) is refused with a
 * message saying why, never silently read another way.
 */

/** A configured regex Outflow cannot run; `message` says why, without the property name. */
export class ConfigRegexError extends RelayError {
  constructor(message: string, pattern: string) {
    super('CONFIG_INVALID', message, { details: { pattern } });
    this.name = 'ConfigRegexError';
  }
}

/** One match found by {@link ConfigRegex.find}. */
export interface ConfigRegexMatch {
  /** Where the match starts and ends in the input (UTF-16 indexes). */
  readonly start: number;
  readonly end: number;
  /** Group `index` (0 = the whole match); undefined when the group took no part in the match. */
  group(index: number): string | undefined;
  /** The named group's text; undefined when it took no part in the match. */
  named(name: string): string | undefined;
}

/** A compiled configuration regex. Matching takes time linear in the input, whatever the pattern. */
export interface ConfigRegex {
  /** The pattern as configured. */
  readonly pattern: string;
  /** Number of capturing groups. */
  readonly groupCount: number;
  /** Names of the named groups. */
  readonly groupNames: ReadonlySet<string>;
  /** True when the regex matches the whole input (Java's `Matcher.matches()`). */
  matchesWhole(input: string): boolean;
  /** The leftmost match a search finds (Java's `Matcher.find()`), or null. */
  find(input: string): ConfigRegexMatch | null;
}

/** Options of {@link compileConfigRegex}. */
export interface ConfigRegexOptions {
  readonly caseInsensitive?: boolean;
}

/**
 * The longest pattern compiled. Compiling is linear in the pattern too, but a multi-megabyte value (a pasted
 * file, a runaway template) would hold the event loop for seconds before any other check could refuse it.
 */
export const MAX_CONFIG_REGEX_LENGTH = 65_536;

/** Compiles a Java regex from configuration; throws a ConfigRegexError saying why it cannot run. */
export function compileConfigRegex(pattern: string, options: ConfigRegexOptions = {}): ConfigRegex {
  if (pattern.length > MAX_CONFIG_REGEX_LENGTH)
    throw new ConfigRegexError(
      `is ${pattern.length} characters long; a regular expression may have at most ${MAX_CONFIG_REGEX_LENGTH}`,
      pattern.slice(0, 80),
    );
  const source = translateJavaRegex(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new ConfigRegexError(`is not a valid regular expression (${engineMessage(error)})`, pattern);
  }
  const names = re.namedGroups();
  return {
    pattern,
    groupCount: re.groupCount(),
    groupNames: new Set(Object.keys(names)),
    matchesWhole: (input) => re.testExact(input),
    find(input) {
      const m = re.exec(input) as (RegExpExecArray & { groups?: Record<string, string> }) | null;
      if (m === null) return null;
      const whole = m[0] ?? '';
      return {
        start: m.index,
        end: m.index + whole.length,
        group: (index) => m[index] ?? undefined,
        named: (name) => m.groups?.[name] ?? undefined,
      };
    },
  };
}

/** A ConfigKey-style check: undefined when `pattern` compiles, else the reason it does not. */
export function checkConfigRegex(pattern: string): string | undefined {
  try {
    compileConfigRegex(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigRegexError) return error.message;
    throw error;
  }
}

function engineMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^error parsing regexp: /, '');
}

const refuse = (pattern: string, what: string): never => {
  throw new ConfigRegexError(`uses ${what}`, pattern);
};

const LINEAR = 'which cannot run in linear time, so no row can be allowed to meet it';
/** Java's US-ASCII POSIX classes (`\p{Alpha}`), which RE2 spells `[:alpha:]` with the same members. */
const JAVA_POSIX =
  /^\\([pP])\{(Lower|Upper|ASCII|Alpha|Digit|Alnum|Punct|Graph|Print|Blank|Cntrl|XDigit|Space)\}/;
/** Java-only property spellings RE2 has no equivalent for. */
const JAVA_ONLY_PROPERTY =
  /^\\[pP]\{(?:Is(?:Lower|Upper|ASCII|Alpha|Digit|Alnum|Punct|Graph|Print|Blank|Cntrl|XDigit|Space)|java\w*)\}/;

/**
 * Rewrites the Java-only spellings RE2 can run and refuses the rest (see the module comment). Scans the
 * pattern once, keeping track of escapes, `\Q…\E` quotes and character classes.
 */
function translateJavaRegex(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    const rest = pattern.slice(i);
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end === -1 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      if (!inClass && /[1-9]/.test(next)) refuse(pattern, `a backreference (\\${next}), ${LINEAR}`);
      if (next === 'k' && pattern[i + 2] === '<')
        refuse(pattern, `a named backreference (\\k<…>), ${LINEAR}`);
      const posix = JAVA_POSIX.exec(rest);
      if (posix !== null) {
        const name = `[:${posix[1] === 'P' ? '^' : ''}${(posix[2] as string).toLowerCase()}:]`;
        out += inClass ? name : `[${name}]`;
        i += posix[0].length;
        continue;
      }
      if (JAVA_ONLY_PROPERTY.test(rest))
        refuse(
          pattern,
          `a Java-only class (${JAVA_ONLY_PROPERTY.exec(rest)?.[0]}); write it as a bracket class`,
        );
      // Java's \Z also matches before a final line terminator; routed values hold none, so \z is the same.
      out += next === 'Z' ? '\\z' : `\\${next}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[') refuse(pattern, 'a nested character class (Java-only union syntax)');
      if (rest.startsWith('&&')) refuse(pattern, 'a character class intersection (&&, Java-only syntax)');
      if (c === ']') inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal in both syntaxes.
      const open = rest.startsWith('[^]') ? 3 : rest.startsWith('[]') ? 2 : rest.startsWith('[^') ? 2 : 1;
      out += rest.slice(0, open);
      i += open;
      continue;
    }
    if (rest.startsWith('(?')) {
      if (/^\(\?<?[=!]/.test(rest)) refuse(pattern, `a lookaround (${rest.slice(0, 4)}…), ${LINEAR}`);
      if (rest.startsWith('(?>')) refuse(pattern, `an atomic group ((?>…)), ${LINEAR}`);
      const flags = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
      if (flags !== null) {
        const on = javaFlags(pattern, flags[1] ?? '');
        const off = javaFlags(pattern, flags[2] ?? '');
        const spelled = off === '' ? on : `${on}-${off}`;
        if (spelled !== '') out += `(?${spelled}${flags[3]}`;
        else if (flags[3] === ':') out += '(?:';
        i += flags[0].length;
        continue;
      }
      out += '(?';
      i += 2;
      continue;
    }
    const counted = /^\{\d+(?:,\d*)?\}/.exec(rest);
    const quantifier = counted?.[0] ?? (c === '*' || c === '+' || c === '?' ? c : undefined);
    if (quantifier !== undefined) {
      if (pattern[i + quantifier.length] === '+')
        refuse(pattern, `a possessive quantifier (${quantifier}+), ${LINEAR}`);
      out += quantifier;
      i += quantifier.length;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Java inline flags as RE2 spells them: i, m, s pass; u is implied (RE2 folds case by Unicode). */
function javaFlags(pattern: string, letters: string): string {
  let out = '';
  for (const letter of letters) {
    if (letter === 'i' || letter === 'm' || letter === 's') out += letter;
    else if (letter !== 'u')
      refuse(pattern, `the inline flag '${letter}', which Outflow cannot honour (use i, m, s or u)`);
  }
  return out;
}

/** A Java replacement string (`Matcher.replaceFirst`) checked against the groups of its regex. */
export interface ConfigReplacement {
  /** The text that replaces `match`. */
  expand(match: ConfigRegexMatch): string;
}

type ReplacementPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'name'; readonly name: string };

/**
 * Parses a Java replacement for `regex`: `$n` (a group number, read greedily while it stays a group of the
 * regex), `${name}` (a named group), `\x` (a literal x). A reference to a group the regex lacks is refused
 * here, where Java would fail only on the first value routed. Throws a ConfigRegexError.
 */
export function compileConfigReplacement(regex: ConfigRegex, replacement: string): ConfigReplacement {
  const fail = (why: string): never => {
    throw new ConfigRegexError(why, replacement);
  };
  const parts: ReplacementPart[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < replacement.length) {
    const c = replacement[i] as string;
    if (c === '\\') {
      if (i + 1 >= replacement.length) fail('ends with a lone backslash');
      text += replacement[i + 1];
      i += 2;
    } else if (c !== '$') {
      text += c;
      i += 1;
    } else if (i + 1 >= replacement.length) {
      fail("ends with '$': group index is missing");
    } else if (replacement[i + 1] === '{') {
      const end = replacement.indexOf('}', i);
      if (end === -1) fail("has a named group reference without a closing '}'");
      const name = replacement.slice(i + 2, end);
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) fail(`has an invalid group name '${name}'`);
      if (!regex.groupNames.has(name)) fail(`refers to group '${name}', which the regex does not define`);
      flush();
      parts.push({ kind: 'name', name });
      i = end + 1;
    } else {
      const first = replacement.charCodeAt(i + 1) - 48;
      if (first < 0 || first > 9) fail("has '$' not followed by a group number or '{name}'");
      if (first > regex.groupCount) fail(`refers to group ${first}, but the regex has ${regex.groupCount}`);
      let index = first;
      i += 2;
      while (i < replacement.length) {
        const digit = replacement.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9 || index * 10 + digit > regex.groupCount) break;
        index = index * 10 + digit;
        i += 1;
      }
      flush();
      parts.push({ kind: 'index', index });
    }
  }
  flush();
  return {
    expand(match) {
      let out = '';
      for (const part of parts) {
        if (part.kind === 'text') out += part.text;
        else if (part.kind === 'index') out += match.group(part.index) ?? '';
        else out += match.named(part.name) ?? '';
      }
      return out;
    },
  };
}
