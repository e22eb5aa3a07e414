// GET /products (guests, shoppers, sellers), POST /products and DELETE /products/{id} (sellers): one function.
import { guarded, json } from './guard.js';

interface ProductEvent {
  routeKey?: string;
  httpMethod?: string;
  pathParameters?: Record<string, string | undefined> | null;
}

export const handler = guarded((caller, event) => {
  const { routeKey, httpMethod, pathParameters } = event as ProductEvent;
  const method = httpMethod ?? routeKey?.split(' ')[0];
  if (method === 'GET') return json(200, { products: ['teapot', 'kettle'], role: caller.role });
  if (method === 'POST') return json(201, { created: true });
  return json(200, { deleted: pathParameters?.id ?? null });
});
