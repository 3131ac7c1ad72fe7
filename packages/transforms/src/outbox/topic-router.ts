/**
 * Topic routing as Kafka Connect's `RegexRouter` does it, with Java regex and replacement syntax.
 *
 * Behaviour followed (java.util.regex.Matcher): the regex must match the whole value (`matches()`); when it
 * does, the value is rewritten with `replaceFirst(replacement)`, i.e. the first match found by a search is
 * replaced and the rest of the value kept. When it does not match, the value is returned unchanged.
 * Replacement syntax: `$n` (group number, read greedily while it stays a valid group), `${name}` (named group),
 * `\x` (literal x); a group that did not take part in the match contributes nothing.
 */

/** A compiled route: the Java regex translated to JavaScript plus the parsed replacement. */
export interface TopicRouter {
  /** Returns the topic for `value`, or `value` itself when the regex does not match it entirely. */
  route(value: string): string;
}

/** A regex or replacement Outflow cannot use; `message` says why. */
export class TopicRouteSyntaxError extends Error {
  override readonly name = 'TopicRouteSyntaxError';
}

type ReplacementPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'name'; readonly name: string };

/** Compiles a Java regex and a Java replacement string; throws a TopicRouteSyntaxError when either is wrong. */
export function compileTopicRouter(javaRegex: string, javaReplacement: string): TopicRouter {
  const { source, flags } = translateJavaRegex(javaRegex);
  let search: RegExp;
  let whole: RegExp;
  try {
    search = new RegExp(source, flags);
    whole = new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw new TopicRouteSyntaxError(`is not a regex Outflow can run: ${(err as Error).message}`);
  }
  const probe = new RegExp(`${source}|`, flags).exec('');
  const groupCount = probe === null ? 0 : probe.length - 1;
  const groupNames = new Set(Object.keys(probe?.groups ?? {}));
  const parts = parseReplacement(javaReplacement, groupCount, groupNames);
  return {
    route(value: string): string {
      if (!whole.test(value)) return value;
      const match = search.exec(value);
      if (match === null) return value;
      let out = '';
      for (const part of parts) {
        if (part.kind === 'text') out += part.text;
        else if (part.kind === 'index') out += match[part.index] ?? '';
        else out += match.groups?.[part.name] ?? '';
      }
      return value.slice(0, match.index) + out + value.slice(match.index + match[0].length);
    },
  };
}

/**
 * Translates the Java-only parts of a regex that routing configurations use: leading inline flags
 * (`(?i)`, `(?s)`, `(?m)`, combined) and the `\A`, `\z`, `\Z` anchors. Named groups `(?<name>…)` are the
 * same in both. Syntax JavaScript lacks (possessive quantifiers, atomic groups, `\p{Alpha}`-style POSIX
 * classes) is rejected rather than silently read differently.
 */
function translateJavaRegex(javaRegex: string): { source: string; flags: string } {
  let source = javaRegex;
  let flags = '';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline !== null) {
    const letters = inline[1] ?? '';
    if (letters.includes('x'))
      throw new TopicRouteSyntaxError("uses the Java comments flag '(?x)', which Outflow does not support");
    flags = [...new Set(letters)].join('');
    source = source.slice(inline[0].length);
  }
  if (/(?:[*+?}])\+/.test(stripEscapes(source)))
    throw new TopicRouteSyntaxError('uses a Java possessive quantifier, which Outflow does not support');
  if (source.includes('(?>'))
    throw new TopicRouteSyntaxError('uses a Java atomic group, which Outflow does not support');
  if (
    /\\p\{(?:Lower|Upper|ASCII|Alpha|Digit|Alnum|Punct|Graph|Print|Blank|Cntrl|XDigit|Space|java)/.test(
      source,
    )
  )
    throw new TopicRouteSyntaxError('uses a Java POSIX character class, which Outflow does not support');
  source = source.replace(/\\\\|\\A|\\z|\\Z/g, (token) => {
    if (token === '\\A') return '^';
    if (token === '\\z' || token === '\\Z') return '$';
    return token;
  });
  return { source, flags };
}

/** Drops escaped characters so that `\+` or `\*` are not read as quantifiers. */
function stripEscapes(source: string): string {
  return source.replace(/\\./g, '');
}

function parseReplacement(
  replacement: string,
  groupCount: number,
  groupNames: ReadonlySet<string>,
): ReplacementPart[] {
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
      i += 1;
      if (i >= replacement.length) throw new TopicRouteSyntaxError('ends with a lone backslash');
      text += replacement[i];
      i += 1;
    } else if (c === '$') {
      i += 1;
      if (i >= replacement.length) throw new TopicRouteSyntaxError("ends with '$': group index is missing");
      if (replacement[i] === '{') {
        const end = replacement.indexOf('}', i);
        if (end === -1) throw new TopicRouteSyntaxError("has a named group reference without a closing '}'");
        const name = replacement.slice(i + 1, end);
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name))
          throw new TopicRouteSyntaxError(`has an invalid group name '${name}'`);
        if (!groupNames.has(name))
          throw new TopicRouteSyntaxError(`refers to group '${name}', which the regex does not define`);
        flush();
        parts.push({ kind: 'name', name });
        i = end + 1;
      } else {
        const first = replacement.charCodeAt(i) - 48;
        if (first < 0 || first > 9)
          throw new TopicRouteSyntaxError("has '$' not followed by a group number or '{name}'");
        if (first > groupCount)
          throw new TopicRouteSyntaxError(`refers to group ${first}, but the regex has ${groupCount}`);
        let index = first;
        i += 1;
        while (i < replacement.length) {
          const digit = replacement.charCodeAt(i) - 48;
          if (digit < 0 || digit > 9) break;
          const next = index * 10 + digit;
          if (next > groupCount) break;
          index = next;
          i += 1;
        }
        flush();
        parts.push({ kind: 'index', index });
      }
    } else {
      text += c;
      i += 1;
    }
  }
  flush();
  return parts;
}
