import fastifySwagger from '@fastify/swagger';
import fp from 'fastify-plugin';

/** The OpenAPI document of every route (`/api/openapi.json`; browsable at `/api/docs`, a page). */
export const openApi = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'Gatehouse API', version: '0.1.0', description: 'Service accounts and API tokens. Authenticate with `Authorization: Bearer <token>`.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
    });
  },
  { name: 'gatehouse-openapi' },
);
