/**
 * Figure 9: the login latency and cost per Lambda memory size, modeled from figure 8's measured warm login. Lambda
 * "allocates CPU power in proportion to the amount of memory configured", and "at 1,769 MB, a function has the
 * equivalent of one vCPU" (https://docs.aws.amazon.com/lambda/latest/dg/resource-model.html, "Configure Lambda function memory"). A login's CPU
 * work is one argon2id hash (single-threaded, p = 1) plus a little JavaScript, so below 1,769 MB it stretches by
 * 1,769 / M and above it gets no faster; its waits (store and identity-pool round trips) do not depend on M:
 *
 *   latency(M) = cpu_ms × max(1, 1769 / M) + wait_ms
 *   cost(M)    = M / 1024 GB × latency(M) / 1000 s × price per GB-s + price per request
 *
 * The default memory size is the smallest size of the table whose modeled latency is within LATENCY_TOLERANCE of the
 * 1,769 MB one and whose memory holds the measured peak RSS. docs/capacity.md ("Lambda memory size") explains the
 * choice; packages/cdk's DEFAULT_MEMORY_MB points here.
 */
import { type Figure, round } from './lib.js';

export const MEMORY_SIZES_MB = [128, 256, 512, 1024, 1769, 3008] as const;
/** One vCPU (AWS's "Configure Lambda function memory"). */
export const FULL_VCPU_MB = 1769;
/** The rule: at most 10 % slower than at a full vCPU. */
export const LATENCY_TOLERANCE = 0.1;

/**
 * us-east-1, first tier, https://aws.amazon.com/lambda/pricing/ (its tables are rendered client-side; the figures are
 * those quoted in docs/capacity.md, e.g. Artillery's copy of the table, lib/platform/aws-lambda/prices.js:
 * x86_64 1,666,670 and arm64 1,333,340 in 10⁻¹¹ $ per GB-s): $ per GB-s, and $0.20 per million requests.
 */
export const PRICE_PER_GB_SECOND = { arm64: 0.0000133334, x86_64: 0.0000166667 } as const;
export const PRICE_PER_REQUEST = 0.2 / 1_000_000;

export interface MemorySizeRow {
  readonly memoryMb: number;
  /** vCPU share: M / 1769. */
  readonly vcpu: number;
  readonly latencyMs: number;
  readonly gbSeconds: number;
  /** $ per million logins, duration and requests. */
  readonly perMillion: { readonly arm64: number; readonly x86_64: number };
  /** Whether the measured peak RSS fits in M. */
  readonly fits: boolean;
}

export const MEMORY_SIZE_FIGURES = {
  latency: (mb: number) => `modeled login latency at ${mb} MB (CPU x max(1, 1769/M) + wait)`,
  cost: (mb: number, arch: 'arm64' | 'x86_64') => `modeled cost per million logins at ${mb} MB, ${arch}`,
  chosen: 'Lambda memory size for login, chosen by the model (smallest within 10 % of 1,769 MB latency, fits peak RSS)',
} as const;

export function modelMemorySizes(measured: { cpuMs: number; waitMs: number; peakRssMb: number }): {
  rows: MemorySizeRow[];
  chosenMb: number;
} {
  const rows = MEMORY_SIZES_MB.map((memoryMb): MemorySizeRow => {
    const latencyMs = measured.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb) + measured.waitMs;
    const gbSeconds = (memoryMb / 1024) * (latencyMs / 1000);
    const perMillion = (price: number) => (gbSeconds * price + PRICE_PER_REQUEST) * 1_000_000;
    return {
      memoryMb,
      vcpu: memoryMb / FULL_VCPU_MB,
      latencyMs,
      gbSeconds,
      perMillion: { arm64: perMillion(PRICE_PER_GB_SECOND.arm64), x86_64: perMillion(PRICE_PER_GB_SECOND.x86_64) },
      fits: measured.peakRssMb <= memoryMb,
    };
  });
  const atFullVcpu = rows.find((row) => row.memoryMb === FULL_VCPU_MB)!.latencyMs;
  const chosen = rows.find((row) => row.fits && row.latencyMs <= atFullVcpu * (1 + LATENCY_TOLERANCE));
  return { rows, chosenMb: chosen?.memoryMb ?? FULL_VCPU_MB };
}

export function memorySizeFigures(measured: { cpuMs: number; waitMs: number; peakRssMb: number }): {
  figures: Figure[];
  lines: string[];
  chosenMb: number;
} {
  const { rows, chosenMb } = modelMemorySizes(measured);
  const figures: Figure[] = [];
  const reference = MEMORY_SIZE_FIGURES.latency(FULL_VCPU_MB);
  const atFullVcpu = rows.find((row) => row.memoryMb === FULL_VCPU_MB)!;
  for (const row of rows) {
    figures.push({
      name: MEMORY_SIZE_FIGURES.latency(row.memoryMb),
      value: round(row.latencyMs, 1),
      unit: 'ms',
      compared_to: row.memoryMb === FULL_VCPU_MB ? null : reference,
      ratio: row.memoryMb === FULL_VCPU_MB ? null : round(row.latencyMs / atFullVcpu.latencyMs),
    });
    for (const arch of ['arm64', 'x86_64'] as const) {
      const name = MEMORY_SIZE_FIGURES.cost(row.memoryMb, arch);
      const base = MEMORY_SIZE_FIGURES.cost(FULL_VCPU_MB, arch);
      figures.push({
        name,
        value: round(row.perMillion[arch], 3),
        unit: '$',
        compared_to: row.memoryMb === FULL_VCPU_MB ? null : base,
        ratio: row.memoryMb === FULL_VCPU_MB ? null : round(row.perMillion[arch] / atFullVcpu.perMillion[arch]),
      });
    }
  }
  figures.push({ name: MEMORY_SIZE_FIGURES.chosen, value: chosenMb, unit: 'MB', compared_to: null, ratio: null });
  const lines = [
    `  from the warm login: CPU ${measured.cpuMs.toFixed(2)} ms, wait ${measured.waitMs.toFixed(2)} ms, peak RSS ` +
      `${measured.peakRssMb.toFixed(1)} MB; latency = CPU x max(1, 1769/M) + wait`,
    '  | memory (MB) | vCPU  | modeled latency (ms) | vs 1,769 MB | GB-s per login | $/M logins arm64 | $/M logins x86_64 | fits peak RSS |',
    ...rows.map(
      (row) =>
        `  | ${String(row.memoryMb).padStart(11)} | ${row.vcpu.toFixed(3)} | ${row.latencyMs.toFixed(1).padStart(20)} | ` +
        `${(row.latencyMs / atFullVcpu.latencyMs).toFixed(2).padStart(11)} | ${row.gbSeconds.toFixed(5).padStart(14)} | ` +
        `${row.perMillion.arm64.toFixed(3).padStart(16)} | ${row.perMillion.x86_64.toFixed(3).padStart(17)} | ` +
        `${(row.fits ? 'yes' : 'no').padStart(13)} |`,
    ),
    `  chosen: ${chosenMb} MB (the smallest size within ${LATENCY_TOLERANCE * 100} % of the 1,769 MB modeled latency ` +
      'that holds the peak RSS); prices: us-east-1 first tier, duration plus $0.20 per million requests',
  ];
  return { figures, lines, chosenMb };
}
