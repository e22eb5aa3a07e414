// Lambda entry for the revokeSession route: configured from environment variables on the first invocation (see README).
import { createEnvHandler } from '../app.js';

export const handler = createEnvHandler('revokeSession');
