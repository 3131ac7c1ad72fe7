import { compileConfigRegex, compileConfigReplacement } from '@outflow/relay-core';

/**
 * Topic routing as Kafka Connect's `RegexRouter` does it, with Java regex and replacement syntax.
 *
 * Behaviour followed (java.util.regex.Matcher): the regex must match the whole value (`matches()`); when it
 * does, the value is rewritten with `replaceFirst(replacement)`, i.e. the first match found by a search is
 * replaced and the rest of the value kept. When it does not match, the value is returned unchanged.
 * The regex runs on RE2 (`compileConfigRegex`), so no routed value can make routing take more than linear
 * time; the replacement's groups are checked against the regex when the router is built.
 */

/** A compiled route: the regex plus the parsed replacement. */
export interface TopicRouter {
  /** Returns the topic for `value`, or `value` itself when the regex does not match it entirely. */
  route(value: string): string;
}

/** Distinct routed values remembered; an outbox has few aggregate types, so most rows hit the cache. */
const CACHE_LIMIT = 1024;

/** Compiles a Java regex and a Java replacement string; throws a ConfigRegexError when either is wrong. */
export function compileTopicRouter(javaRegex: string, javaReplacement: string): TopicRouter {
  const regex = compileConfigRegex(javaRegex);
  const replacement = compileConfigReplacement(regex, javaReplacement);
  const cache = new Map<string, string>();
  const compute = (value: string): string => {
    if (!regex.matchesWhole(value)) return value;
    const match = regex.find(value);
    if (match === null) return value;
    return value.slice(0, match.start) + replacement.expand(match) + value.slice(match.end);
  };
  return {
    route(value: string): string {
      const known = cache.get(value);
      if (known !== undefined) return known;
      const topic = compute(value);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(value, topic);
      return topic;
    },
  };
}
