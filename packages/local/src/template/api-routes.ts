import { TemplateError } from './errors.js';
import {
  type CfnResource,
  onlyResource,
  referencedId,
  resourcesOfType,
  type SynthesizedStack,
} from './read-template.js';

/** What answers a route: a Lambda function (proxy integration) or API Gateway itself (a REST MOCK integration). */
export type RouteTarget =
  | { readonly kind: 'lambda'; readonly functionId: string; readonly payload: 'v1' | 'v2' }
  | { readonly kind: 'mock'; readonly statusCode: number; readonly headers: Readonly<Record<string, string>> };

export interface TemplateRoute {
  readonly method: string;
  readonly path: string;
  readonly auth: 'NONE' | 'AWS_IAM';
  readonly target: RouteTarget;
  /** The resource the route comes from, for messages. */
  readonly source: string;
}

/** An HTTP API's CORS configuration (API Gateway answers preflight requests itself when it is set). */
export interface CorsConfiguration {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
  readonly allowCredentials: boolean;
}

export interface TemplateApi {
  readonly logicalId: string;
  readonly kind: 'http' | 'rest';
  readonly stage: string;
  readonly routes: readonly TemplateRoute[];
  readonly cors?: CorsConfiguration;
}

const HTTP_API = 'AWS::ApiGatewayV2::Api';
const REST_API = 'AWS::ApiGateway::RestApi';

/** The stack's API (exactly one, of either kind), its stage and its routes as deployed. */
export function readApi(stack: SynthesizedStack): TemplateApi {
  const [logicalId, api] = onlyResource(stack, [HTTP_API, REST_API], 'API Gateway API');
  const functions = new Set(resourcesOfType(stack, 'AWS::Lambda::Function').map(([id]) => id));
  return api.Type === HTTP_API
    ? readHttpApi(stack, logicalId, api, functions)
    : readRestApi(stack, logicalId, functions);
}

function readHttpApi(stack: SynthesizedStack, apiId: string, api: CfnResource, functions: Set<string>): TemplateApi {
  const props = api.Properties ?? {};
  if (props.ProtocolType !== 'HTTP') {
    throw new TemplateError(`${apiId}: ProtocolType ${String(props.ProtocolType)} is not emulated (HTTP only)`);
  }
  const belongs = (resource: CfnResource) => referencedId(resource.Properties?.ApiId, new Set([apiId])) === apiId;
  const integrations = new Map(resourcesOfType(stack, 'AWS::ApiGatewayV2::Integration').filter(([, r]) => belongs(r)));
  const routes = resourcesOfType(stack, 'AWS::ApiGatewayV2::Route')
    .filter(([, route]) => belongs(route))
    .map(([routeId, route]): TemplateRoute => {
      const where = `route ${routeId}`;
      const routeKey = String(route.Properties?.RouteKey ?? '');
      const [method, path] = routeKey === '$default' ? ['ANY', '/{proxy+}'] : routeKey.split(' ');
      if (!method || !path?.startsWith('/')) throw new TemplateError(`${where}: unreadable RouteKey "${routeKey}"`);
      const integrationId = referencedId(route.Properties?.Target, new Set(integrations.keys()));
      if (!integrationId) throw new TemplateError(`${where}: its Target is not an integration of ${apiId}`);
      const integration = integrations.get(integrationId)!.Properties ?? {};
      if (integration.IntegrationType !== 'AWS_PROXY') {
        throw new TemplateError(`${where}: integration type ${String(integration.IntegrationType)} is not emulated`);
      }
      const functionId = referencedId(integration.IntegrationUri, functions);
      if (!functionId) throw new TemplateError(`${where}: its integration names no Lambda function of this stack`);
      const version = integration.PayloadFormatVersion ?? '1.0';
      if (version !== '1.0' && version !== '2.0') {
        throw new TemplateError(`${where}: PayloadFormatVersion ${String(version)} is unknown`);
      }
      return {
        method: method.toUpperCase(),
        path,
        auth: authorization(route.Properties?.AuthorizationType, where),
        target: { kind: 'lambda', functionId, payload: version === '2.0' ? 'v2' : 'v1' },
        source: routeId,
      };
    });
  const stages = resourcesOfType(stack, 'AWS::ApiGatewayV2::Stage').filter(([, stage]) => belongs(stage));
  const stage = stages.length === 1 ? String(stages[0]![1].Properties?.StageName) : undefined;
  if (!stage) throw new TemplateError(`${apiId}: expected one stage, found ${stages.length}`);
  const cors = props.CorsConfiguration as Record<string, unknown> | undefined;
  return {
    logicalId: apiId,
    kind: 'http',
    stage,
    routes,
    ...(cors
      ? {
          cors: {
            allowOrigins: strings(cors.AllowOrigins),
            allowMethods: strings(cors.AllowMethods).map((m) => m.toUpperCase()),
            allowHeaders: strings(cors.AllowHeaders).map((h) => h.toLowerCase()),
            exposeHeaders: strings(cors.ExposeHeaders),
            ...(typeof cors.MaxAge === 'number' ? { maxAge: cors.MaxAge } : {}),
            allowCredentials: cors.AllowCredentials === true,
          },
        }
      : {}),
  };
}

function readRestApi(stack: SynthesizedStack, apiId: string, functions: Set<string>): TemplateApi {
  const belongs = (resource: CfnResource) => referencedId(resource.Properties?.RestApiId, new Set([apiId])) === apiId;
  const resources = new Map(resourcesOfType(stack, 'AWS::ApiGateway::Resource').filter(([, r]) => belongs(r)));
  const pathOf = (resourceRef: unknown, where: string, depth = 0): string => {
    if (isRootResource(resourceRef, apiId)) return '/';
    const id = referencedId(resourceRef, new Set(resources.keys()));
    if (!id || depth > 128) throw new TemplateError(`${where}: its resource is not part of ${apiId}`);
    const props = resources.get(id)!.Properties ?? {};
    const parent = pathOf(props.ParentId, `resource ${id}`, depth + 1);
    return `${parent === '/' ? '' : parent}/${String(props.PathPart)}`;
  };
  const routes = resourcesOfType(stack, 'AWS::ApiGateway::Method')
    .filter(([, method]) => belongs(method))
    .map(([methodId, method]): TemplateRoute => {
      const where = `method ${methodId}`;
      const props = method.Properties ?? {};
      const integration = (props.Integration ?? {}) as Record<string, unknown>;
      return {
        method: String(props.HttpMethod).toUpperCase(),
        path: pathOf(props.ResourceId, where),
        auth: authorization(props.AuthorizationType, where),
        target: restTarget(integration, functions, where),
        source: methodId,
      };
    });
  const stages = resourcesOfType(stack, 'AWS::ApiGateway::Stage').filter(([, stage]) => belongs(stage));
  const deploymentStages = resourcesOfType(stack, 'AWS::ApiGateway::Deployment')
    .filter(([, deployment]) => belongs(deployment) && deployment.Properties?.StageName !== undefined)
    .map(([, deployment]) => String(deployment.Properties?.StageName));
  const names = [...stages.map(([, stage]) => String(stage.Properties?.StageName)), ...deploymentStages];
  if (names.length !== 1) throw new TemplateError(`${apiId}: expected one stage, found ${names.length}`);
  return { logicalId: apiId, kind: 'rest', stage: names[0]!, routes };
}

function restTarget(integration: Record<string, unknown>, functions: Set<string>, where: string): RouteTarget {
  if (integration.Type === 'AWS_PROXY') {
    const functionId = referencedId(integration.Uri, functions);
    if (!functionId) throw new TemplateError(`${where}: its integration names no Lambda function of this stack`);
    return { kind: 'lambda', functionId, payload: 'v1' };
  }
  if (integration.Type === 'MOCK') {
    // CDK's CORS preflight methods: the first integration response, its header values as quoted literals.
    const [response] = (integration.IntegrationResponses ?? []) as Array<Record<string, unknown>>;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((response?.ResponseParameters ?? {}) as Record<string, unknown>)) {
      const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
      const literal = typeof value === 'string' ? /^'(.*)'$/.exec(value)?.[1] : undefined;
      if (header && literal !== undefined) headers[header.toLowerCase()] = literal;
    }
    return { kind: 'mock', statusCode: Number(response?.StatusCode ?? 200), headers };
  }
  throw new TemplateError(`${where}: integration type ${String(integration.Type)} is not emulated`);
}

function isRootResource(value: unknown, apiId: string): boolean {
  const getAtt = (value as Record<string, unknown> | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[0] === apiId && getAtt[1] === 'RootResourceId';
}

function authorization(value: unknown, where: string): 'NONE' | 'AWS_IAM' {
  const type = value ?? 'NONE';
  if (type === 'NONE' || type === 'AWS_IAM') return type;
  throw new TemplateError(`${where}: AuthorizationType ${String(type)} is not emulated (NONE and AWS_IAM are)`);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
