import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TemplateFunction } from './functions.js';
import { RESOLVE_HOOK_SOURCE, RUNTIME_SOURCE } from './runtime-source.js';

/** One line a function printed (its CloudWatch Logs line, offline). */
export interface FunctionLogLine {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

export interface FunctionHostOptions {
  /** The Node.js binary functions run on. Default: this process's (`process.execPath`). */
  readonly node?: string;
  /** Directories a bare import the function's code lacks resolves from (the Lambda runtime's SDK, offline). */
  readonly moduleFallbackDirs: readonly string[];
  readonly log: (line: FunctionLogLine) => void;
  readonly region: string;
  readonly accountId: string;
}

/** A function error (the handler threw, timed out, or its process died): the gateway answers 502, as API Gateway. */
export class FunctionInvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
    this.name = 'FunctionInvocationError';
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** The process it was sent to: only that process's end rejects it. */
  readonly child: ChildProcess;
}

/**
 * One function's execution environment: a Node.js process of its own, started on the first invocation (a cold
 * start), with exactly the function's environment (nothing inherited from the runner but PATH) and its code
 * directory as working directory and task root, as Lambda gives them. A timeout or a crash ends the process; the
 * next invocation starts a fresh one, as Lambda replaces a failed environment. Unlike Lambda, one process takes
 * concurrent invocations (a local run needs no scaling).
 */
export class FunctionProcess {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;

  constructor(
    readonly definition: TemplateFunction,
    private readonly environment: Readonly<Record<string, string>>,
    private readonly options: FunctionHostOptions,
  ) {}

  invoke(event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    if (this.stopped) return Promise.reject(new Error(`${this.definition.functionName}: stopped`));
    const child = this.child ?? this.start();
    const id = this.nextId++;
    const timeoutMs = this.definition.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          child,
          new FunctionInvocationError(
            this.definition.functionName,
            'Sandbox.Timedout',
            `Task timed out after ${this.definition.timeoutSeconds.toFixed(2)} seconds`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, child });
      child.send({ type: 'invoke', id, requestId, event, timeoutMs });
    });
  }

  /** Ends the process (its whole process group). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    this.fail(child, new Error(`${this.definition.functionName}: stopped`));
    await exited;
  }

  private start(): ChildProcess {
    const fn = this.definition;
    const config = {
      hook: RESOLVE_HOOK_SOURCE,
      fallbacks: this.options.moduleFallbackDirs.map((dir) => pathToFileURL(join(dir, 'noop.js')).href),
      handler: fn.handler,
      taskRoot: fn.codeDirectory,
      context: {
        functionName: fn.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${fn.functionName}`,
        memoryLimitInMB: String(fn.memorySize),
        logGroupName: `/aws/lambda/${fn.functionName}`,
        logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      },
    };
    const child = spawn(
      this.options.node ?? process.execPath,
      ['--input-type=module', '--eval', RUNTIME_SOURCE, JSON.stringify(config)],
      {
        cwd: fn.codeDirectory,
        env: { ...this.environment, PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
        // Its own process group, so stop() ends whatever the function started too.
        detached: true,
      },
    );
    this.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      let buffered = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.options.log({ functionName: fn.functionName, stream, line });
      });
      child[stream]?.on('end', () => {
        if (buffered) this.options.log({ functionName: fn.functionName, stream, line: buffered });
        buffered = '';
      });
    }
    child.on(
      'message',
      (message: {
        type?: string;
        id?: number;
        ok?: boolean;
        result?: unknown;
        error?: { errorType: string; errorMessage: string };
      }) => {
        if (message?.type !== 'result' || message.id === undefined) return;
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else {
          pending.reject(
            new FunctionInvocationError(
              fn.functionName,
              message.error?.errorType ?? 'Error',
              message.error?.errorMessage ?? 'unknown error',
            ),
          );
        }
      },
    );
    child.on('error', (error) => this.fail(child, error));
    child.on('exit', (code, signal) => {
      this.fail(
        child,
        new FunctionInvocationError(
          fn.functionName,
          'Runtime.ExitError',
          `process exited (${signal ?? `code ${code}`})`,
        ),
      );
    });
    const killOnExit = () => killGroup(child);
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    return child;
  }

  /** Rejects every pending invocation of `child` and ends it; the next invocation starts a new process. */
  private fail(child: ChildProcess, error: Error): void {
    if (this.child === child) this.child = undefined;
    for (const [id, pending] of this.pending) {
      if (pending.child !== child) continue;
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
    killGroup(child);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}
