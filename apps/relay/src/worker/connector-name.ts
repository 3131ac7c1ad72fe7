/**
 * Longest name a new connector may have (UTF-16 code units, as JavaScript counts). Connect sets no limit,
 * but a name must fit in a URL path segment of every route, and the REST router matches names up to
 * {@link CONNECTOR_NAME_ROUTE_LENGTH}: anything that can be created can also be read and deleted.
 */
export const CONNECTOR_NAME_MAX_LENGTH = 255;

/**
 * Longest name segment the REST router matches (Fastify's `maxParamLength`, 100 by default): above the
 * creation limit, so that connectors an older relay stored with a longer name can still be read and deleted.
 */
export const CONNECTOR_NAME_ROUTE_LENGTH = 4096;

/**
 * Connect's `ConnectorConfig` name rule (`NonEmptyStringWithoutControlChars`: not empty, no ISO control
 * character U+0000–U+001F or U+007F–U+009F). Returns why `value` is not a name.
 */
export function checkConnectorName(value: unknown): string | undefined {
  const name = String(value);
  if (name.trim() === '') return 'must not be empty';
  const control = [...name].filter((c) => /\p{Cc}/u.test(c));
  if (control.length === 0) return undefined;
  const listed = control.map(
    (c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
  return `must not contain control characters, found ${listed.join(', ')}`;
}

/**
 * What a new connector's name needs beyond Connect's rule so that every route can address it: well-formed
 * Unicode (a lone surrogate cannot be written in a URL) and at most {@link CONNECTOR_NAME_MAX_LENGTH}
 * characters. Existing connectors are not re-checked, so none becomes unusable.
 */
export function checkNewConnectorName(name: string): string | undefined {
  if (!name.isWellFormed()) return 'must be valid Unicode text (it holds a lone UTF-16 surrogate)';
  if (name.length > CONNECTOR_NAME_MAX_LENGTH)
    return `must be at most ${CONNECTOR_NAME_MAX_LENGTH} characters so that every REST route can address it, got ${name.length}`;
  return undefined;
}
