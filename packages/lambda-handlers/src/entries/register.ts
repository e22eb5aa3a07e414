// Lambda entry for the register route: configured from environment variables on the first invocation (see README).
import { createEnvHandler } from '../app.js';

export const handler = createEnvHandler('register');
