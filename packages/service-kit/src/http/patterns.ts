/** The string patterns the shared schemas use; field errors name each with its own message. */

/** Lower- or upper-case hex UUID, nothing around it (Ajv's `uuid` format also accepts a `urn:uuid:` prefix). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** At least one character that is not white space. */
export const NOT_BLANK_PATTERN = '\\S';
