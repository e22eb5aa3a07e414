import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import {
  corsMethods,
  DEFAULT_AUTH_THROTTLE,
  DEFAULT_CORS_EXPOSE_HEADERS,
  DEFAULT_CORS_HEADERS,
  DEFAULT_STAGE_THROTTLE,
  type DevauthApiProps,
  defaultApiName,
  type IDevauthApi,
  plannedRoutes,
} from './api-options.js';

/**
 * devauth on an API Gateway HTTP API (payload v2), the default: the public auth routes without authorization;
 * `GET /me`, the account routes, the admin routes and every app route with AWS_IAM (SigV4 with the identity pool's
 * credentials); one `$default` stage with a default throttle and a stricter one on the public auth routes. With `cors`, API Gateway answers preflight itself, before any
 * authorization, and adds the CORS headers to every response (including IAM's 403s).
 *
 * Each Lambda integration adds a resource policy allowing `lambda:InvokeFunction` from this API only (SourceArn
 * `arn:...:execute-api:<region>:<account>:<apiId>/*` + the route's path).
 */
export class DevauthHttpApi extends Construct implements IDevauthApi {
  readonly kind = 'http' as const;
  /** Escape hatch: the L2 API. */
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly apiId: string;
  readonly stageName = '$default';
  readonly url: string;
  readonly routes: readonly apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, props: DevauthApiProps) {
    super(scope, id);
    const planned = plannedRoutes(this, props);
    const cors = props.cors;
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName ?? defaultApiName(this),
      description: 'devauth: auth routes (public, throttled) and IAM-authorized routes',
      // The stage is made below, to carry the throttle.
      createDefaultStage: false,
      ...(cors
        ? {
            corsPreflight: {
              allowOrigins: [...cors.allowOrigins],
              allowHeaders: [...(cors.allowHeaders ?? DEFAULT_CORS_HEADERS)],
              exposeHeaders: [...(cors.exposeHeaders ?? DEFAULT_CORS_EXPOSE_HEADERS)],
              allowMethods: corsMethods(planned).map((method) => apigwv2.CorsHttpMethod[method as 'GET']),
              maxAge: cors.maxAge ?? Duration.hours(1),
              // SigV4 needs no cookies; credentialed CORS would also forbid the `*` origin.
              allowCredentials: false,
            },
          }
        : {}),
    });
    const iam = new HttpIamAuthorizer();
    const none = new apigwv2.HttpNoneAuthorizer();
    const routes: apigwv2.HttpRoute[] = [];
    const authRouteKeys: string[] = [];
    for (const route of planned) {
      routes.push(
        ...this.httpApi.addRoutes({
          path: route.path,
          methods: [apigwv2.HttpMethod[route.method as 'GET']],
          integration: new HttpLambdaIntegration(`${route.method}${route.path}`, route.handler),
          authorizer: route.iam ? iam : none,
        }),
      );
      if (route.authRoute) authRouteKeys.push(`${route.method} ${route.path}`);
    }
    const throttle = props.throttle ?? DEFAULT_STAGE_THROTTLE;
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: this.stageName,
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    });
    const authThrottle = props.authThrottle ?? DEFAULT_AUTH_THROTTLE;
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      authRouteKeys.map((key) => [
        key,
        { ThrottlingRateLimit: authThrottle.rateLimit, ThrottlingBurstLimit: authThrottle.burstLimit },
      ]),
    );
    // RouteSettings name routes by key: CloudFormation must create them before the stage refers to them.
    for (const route of routes) this.stage.node.addDependency(route);
    this.routes = routes;
    this.apiId = this.httpApi.apiId;
    this.url = this.stage.url;
  }
}
