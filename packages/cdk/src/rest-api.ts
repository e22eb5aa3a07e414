import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
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
import { assertLiteral } from './errors.js';

export interface DevauthRestApiProps extends DevauthApiProps {
  /** Default `prod`. Part of every route ARN in the roles' policies. */
  readonly stageName?: string;
}

/**
 * devauth on an API Gateway REST API (payload v1, regional endpoint): the public auth routes with authorization
 * NONE; `GET /me`, the account routes, the admin routes and every app route with AWS_IAM. With `cors`, every resource gets an `OPTIONS` method (mock integration,
 * authorization NONE) so preflight passes without credentials; with a single allowed origin, API Gateway's own 4XX
 * and 5XX answers (IAM's 403 among them) carry the CORS headers too, so a browser can read why it was refused.
 *
 * Each Lambda integration allows `lambda:InvokeFunction` from this API's stage and method only (SourceArn
 * `arn:...:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>`); console test invocations are not allowed.
 */
export class DevauthRestApi extends Construct implements IDevauthApi {
  readonly kind = 'rest' as const;
  /** Escape hatch: the L2 API. */
  readonly restApi: apigw.RestApi;
  readonly apiId: string;
  readonly stageName: string;
  readonly url: string;
  readonly methods: readonly apigw.Method[];

  constructor(scope: Construct, id: string, props: DevauthRestApiProps) {
    super(scope, id);
    const planned = plannedRoutes(this, props);
    this.stageName = props.stageName ?? 'prod';
    assertLiteral(this, 'stageName', this.stageName);
    const throttle = props.throttle ?? DEFAULT_STAGE_THROTTLE;
    const authThrottle = props.authThrottle ?? DEFAULT_AUTH_THROTTLE;
    const cors = props.cors;
    this.restApi = new apigw.RestApi(this, 'Api', {
      restApiName: props.apiName ?? defaultApiName(this),
      description: 'devauth: auth routes (public, throttled) and IAM-authorized routes',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The account-wide API Gateway logging role is not this stack's to own (it is one per account and region).
      cloudWatchRole: false,
      deployOptions: {
        stageName: this.stageName,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        methodOptions: Object.fromEntries(
          planned
            .filter((route) => route.authRoute)
            .map((route) => [
              `${route.path}/${route.method}`,
              { throttlingRateLimit: authThrottle.rateLimit, throttlingBurstLimit: authThrottle.burstLimit },
            ]),
        ),
      },
      ...(cors
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...cors.allowOrigins],
              allowHeaders: [...(cors.allowHeaders ?? DEFAULT_CORS_HEADERS)],
              exposeHeaders: [...(cors.exposeHeaders ?? DEFAULT_CORS_EXPOSE_HEADERS)],
              allowMethods: corsMethods(planned),
              maxAge: cors.maxAge ?? Duration.hours(1),
              allowCredentials: false,
            },
          }
        : {}),
    });
    const methods: apigw.Method[] = [];
    for (const route of planned) {
      const resource = this.restApi.root.resourceForPath(route.path);
      methods.push(
        resource.addMethod(route.method, new apigw.LambdaIntegration(route.handler, { allowTestInvoke: false }), {
          authorizationType: route.iam ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.NONE,
        }),
      );
    }
    const origin = cors?.allowOrigins.length === 1 ? cors.allowOrigins[0] : undefined;
    if (origin !== undefined) {
      for (const [name, type] of [
        ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
        ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
      ] as const) {
        this.restApi.addGatewayResponse(name, {
          type,
          responseHeaders: {
            'Access-Control-Allow-Origin': `'${origin}'`,
            ...(origin === '*' ? {} : { Vary: "'Origin'" }),
          },
        });
      }
    }
    // RestApi adds an `Endpoint` output of its own; the URL is `url` here (and `ApiUrl` of `Devauth`), once.
    this.restApi.node.tryRemoveChild('Endpoint');
    this.methods = methods;
    this.apiId = this.restApi.restApiId;
    this.url = this.restApi.url;
  }
}
