import { TemplateError } from './errors.js';
import { resourcesOfType, type SynthesizedStack } from './read-template.js';

/** A Lambda function of the stack as the runner starts it. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** The function's name as deployed (`FunctionName`, else `<stack>-<logicalId>` as CloudFormation would prefix it). */
  readonly functionName: string;
  /** The staged asset directory (`cdk.out/asset.<hash>`): what Lambda unpacks into /var/task. */
  readonly codeDirectory: string;
  /** `index.handler`: module path below the code directory, then the exported function. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The raw `Environment.Variables`, intrinsics unresolved (the runner gives them local values). */
  readonly environment: Readonly<Record<string, unknown>>;
}

/** Lambda's defaults for a function that does not set them. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

/** Every `AWS::Lambda::Function` of the stack with code from a staged asset. */
export function readFunctions(stack: SynthesizedStack): Map<string, TemplateFunction> {
  const functions = new Map<string, TemplateFunction>();
  for (const [logicalId, resource] of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    const where = `function ${logicalId}`;
    const props = resource.Properties ?? {};
    const code = (props.Code ?? {}) as Record<string, unknown>;
    const runtime = String(props.Runtime ?? '');
    if (props.PackageType === 'Image') throw new TemplateError(`${where}: container images are not run offline`);
    if (!runtime.startsWith('nodejs')) {
      throw new TemplateError(`${where}: runtime ${runtime || '(none)'} is not run offline (Node.js runtimes are)`);
    }
    if (typeof code.S3Key !== 'string') {
      throw new TemplateError(`${where}: its code is not a staged file asset (Code.S3Key), e.g. inline ZipFile code`);
    }
    const variables = ((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    functions.set(logicalId, {
      logicalId,
      functionName:
        typeof props.FunctionName === 'string' ? props.FunctionName : `${stack.stackName}-${logicalId}`.slice(0, 64),
      codeDirectory: stack.assetDirectory(code.S3Key, where),
      handler: String(props.Handler ?? 'index.handler'),
      runtime,
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : DEFAULT_TIMEOUT_SECONDS,
      memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : DEFAULT_MEMORY_MB,
      environment: variables,
    });
  }
  return functions;
}
