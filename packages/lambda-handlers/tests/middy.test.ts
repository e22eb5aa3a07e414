import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { devauthMiddleware } from '../src/middy.js';
import { createTestApp, parse, v1Event, v2Event } from './support.js';

describe('middy middleware', () => {
  it('answers from before(), for both payload versions', async () => {
    const app = createTestApp();
    const handler = middy().use(devauthMiddleware(app.handlers.guest));
    const lambdaContext = { awsRequestId: 'middy-1' } as Parameters<typeof handler>[1];
    const v1 = await handler(v1Event({ path: '/auth/guest' }), lambdaContext);
    const v2 = await handler(v2Event({ path: '/auth/guest' }), lambdaContext);
    expect(v1.statusCode).toBe(200);
    expect(parse(v2)).toMatchObject({ role: 'guest' });
    expect(app.logger.records.map((r) => r.requestId)).toEqual(['middy-1', 'middy-1']);
  });
});
