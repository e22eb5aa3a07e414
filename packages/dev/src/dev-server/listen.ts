import type { Server } from 'node:http';
import { DevServerError } from './errors.js';

/** Listens, or fails in words: a port in use names the flag that picks another. */
export function listen(server: Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? portInUse(port, flag)
          : new DevServerError(`Cannot listen on ${host}:${port} (${error.message}).`, { cause: error }),
      );
    });
    server.listen(port, host, () => resolve());
  });
}

export function portInUse(port: number, flag: string): DevServerError {
  return new DevServerError(
    `Port ${port} is in use: stop what listens there, choose another with ${flag}, or leave ${flag} out for a free port.`,
  );
}
