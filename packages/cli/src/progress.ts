/** Progress of a long run on stderr: at most once a second (and at the end), when asked or stderr is a terminal. */
import type { CommandContext } from './command.js';

export interface Progress {
  /** Reports `text()` if a second has passed since the last report. */
  tick(text: () => string): void;
}

export function progressReporter(context: CommandContext, enabled: boolean, intervalMs = 1000): Progress {
  let last = Date.now();
  return {
    tick(text) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      context.note(`${context.name}: ${text()}`);
    },
  };
}

export function progressWanted(context: CommandContext): boolean {
  return context.values.progress === true || context.io.stderr.isTTY === true;
}
