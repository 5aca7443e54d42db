/**
 * etcd 3.4's CORS answer on the client URL: with its default --cors ("*"), every response to a request that
 * carries an Origin header allows any origin, the methods and the headers a browser client sends. The web
 * console (src/console) relies on it to ask each member's own client URL for its status.
 * @module
 */

/** The headers etcd 3.4 adds, observed with curl against etcd 3.4.23. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, GET, OPTIONS, PUT, DELETE",
  "access-control-allow-headers": "accept, content-type, authorization",
};

/** Adds etcd's CORS headers to `response` when `request` came from a browser page (has an Origin). */
export function withCors(request: Request, response: Response): Response {
  if (!request.headers.has("origin")) return response;
  try {
    for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
    return response;
  } catch {
    // Immutable headers (a response made elsewhere): answer a copy that can carry them.
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(CORS_HEADERS)) copy.headers.set(name, value);
    return copy;
  }
}
