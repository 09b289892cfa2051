import type { OpenedStore } from '@gatehouse/db';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createGatehouse, type Gatehouse, type GatehouseOptions } from './gatehouse.js';
import type { App } from './http/context.js';

export interface GatehouseServer {
  gatehouse: Gatehouse;
  app: App;
  store: OpenedStore;
  /** The one-time setup token, when no user exists and no first Admin was configured. */
  setupToken: string | null;
  secretGenerated: boolean;
  /** Closes the app (writing what is pending), then the store. */
  close(): Promise<void>;
}

/** Everything `gatehouse serve` does before listening: the composition root, then the app. */
export async function createServer(config: Readonly<Config>, options: GatehouseOptions & { webRoot?: string } = {}): Promise<GatehouseServer> {
  const { webRoot, ...rest } = options;
  const gatehouse = await createGatehouse(config, rest);
  try {
    const app = await buildApp(gatehouse, webRoot !== undefined ? { webRoot } : {});
    return {
      gatehouse, app, store: gatehouse.store, setupToken: gatehouse.setupToken.current, secretGenerated: gatehouse.secretGenerated,
      async close() {
        await app.close();
        await gatehouse.close();
      },
    };
  } catch (e) {
    await gatehouse.close().catch(() => {});
    throw e;
  }
}
