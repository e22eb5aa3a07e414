/**
 * The gateway's translation between HTTP and Lambda, in one import for its callers (server.ts, index.ts):
 * - event-common.ts: what both payload formats are built from (the call as received, its route, the API and its
 *   stage prefix);
 * - rest-v1-event.ts: the REST API (payload format 1.0) proxy event;
 * - http-v2-event.ts: the HTTP API (payload format 2.0) event;
 * - proxy-response.ts: a handler's result back to status, headers and body.
 */
export {
  type ApiContext,
  DEFAULT_STAGE,
  type IncomingCall,
  pathBelowStage,
  type RouteMatch,
  stagePrefix,
} from './event-common.js';
export { type ApiGatewayV2Event, buildV2Event } from './http-v2-event.js';
export { fromV1Result, fromV2Result, type GatewayResponse, MalformedResponseError } from './proxy-response.js';
export { type ApiGatewayV1Event, buildV1Event } from './rest-v1-event.js';
