// The browsable page of a service's OpenAPI document: Swagger UI from the swagger-ui-dist
// package (node_modules, served by the service itself: nothing is fetched from elsewhere), and
// an init script of our own served as a file, so the page needs no inline script.

/** The files `/docs/{asset}` serves: from swagger-ui-dist, or our own init script. */
export const DOCS_ASSETS: Record<string, { type: string; file?: string; text?: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
  // Relative to the page at /docs: the document at /openapi.json, whatever prefix a proxy adds.
  'docs-init.js': {
    type: 'text/javascript; charset=utf-8',
    text: "window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n",
  },
};

/**
 * Scripts only from the service itself (no inline script, no eval); Swagger UI sets inline
 * styles and data: images. "Try it out" calls the same origin only.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function docsPage(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escaped}</title>
    <link rel="stylesheet" href="docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/docs-init.js"></script>
  </body>
</html>
`;
}
