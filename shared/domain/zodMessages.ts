import { config } from 'zod/mini';
import { en } from 'zod/locales';

/**
 * zod/mini leaves the wording of its issues to a locale and loads none; the
 * reasons we give (quarantine, configuration errors) are English sentences,
 * as zod's full build writes them. Imported by every module that turns
 * issues into words, before anything is parsed.
 */
config(en());
