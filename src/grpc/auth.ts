/**
 * etcd's Auth service on gRPC: the same calls as the gateway's /v3/auth routes (src/api/auth_routes.ts).
 * @module
 */
import { AUTH_RPCS } from "../api/auth_routes.ts";
import type { GrpcServices, UnaryMethod } from "./types.ts";

/** The Auth service's methods by name (gRPC). */
export const AUTH_METHODS: Record<string, UnaryMethod> = Object.fromEntries(
  Object.entries(AUTH_RPCS).map(([name, r]) => [name, {
    request: r.request,
    response: r.response,
    call: (services: GrpcServices, req: never) => r.call(services.kv, req as Record<string, unknown>),
  } satisfies UnaryMethod]),
);
