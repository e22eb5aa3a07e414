// GET /orders (shoppers and sellers).
import { guarded, json } from './guard.js';

export const handler = guarded((caller) =>
  json(200, { orders: caller.kind === 'user' ? [`order-of-${caller.userId}`] : [] }),
);
