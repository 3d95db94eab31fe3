import { siteOpenApiDocument } from '@linkboard/core';

/** The versioned API (`/api/v1/…`) as OpenAPI 3.1, made from the schemas the routes validate with. */
export function GET() {
  return Response.json(siteOpenApiDocument({ version: 'v1' }), {
    headers: { 'cache-control': 'public, max-age=300' },
  });
}
