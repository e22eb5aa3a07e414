// Lambda entry for the adminGetUser route: configured from environment variables on the first invocation (see README).
import { createEnvHandler } from '../app.js';

export const handler = createEnvHandler('adminGetUser');
