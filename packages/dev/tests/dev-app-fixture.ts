import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DevAppFixture {
  readonly dir: string;
  write(file: string, text: string): void;
  cleanup(): void;
}

/** The products route's handler answers with the names of `./names.ts`, so a test can edit a dependency. */
const PRODUCTS_HANDLER = `import { NAMES } from './names.js';
export const list = ({ caller }: { caller: { role: string } }) => ({ body: { products: NAMES, role: caller.role } });
export const create = () => ({ statusCode: 201, body: { created: true } });
`;

export const CONFIG_WITH_PRODUCTS = `export default {
  routes: [
    { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: './handlers/products.ts', export: 'list' },
  ],
  links: { passwordReset: 'http://localhost:5173/reset?token={token}' },
};
`;

/** A small app in a scratch directory: devauth.config.ts, handlers/, an ESM package.json. */
export function devAppFixture(config = CONFIG_WITH_PRODUCTS): DevAppFixture {
  const dir = mkdtempSync(join(tmpdir(), 'devauth-dev-app-'));
  const write = (file: string, text: string) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write('package.json', '{ "type": "module" }\n');
  write('devauth.config.ts', config);
  write('handlers/products.ts', PRODUCTS_HANDLER);
  write('handlers/names.ts', "export const NAMES: string[] = ['teapot'];\n");
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
