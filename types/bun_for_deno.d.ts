/**
 * Loose types for the Bun-only APIs that tsetcd's Bun-only code names (Bun.serve/listen/connect/password,
 * the `bun` and `bun:sqlite` modules, `import.meta.require`), read by `deno check` only (deno.json). tsc
 * checks the same code against Bun's real types (bun-types, tsconfig.json); on Deno that code never runs:
 * src/runtime/ picks the other implementation.
 */
// deno-lint-ignore-file no-explicit-any

declare namespace Bun {
  const version: string;
  function serve(options: any): any;
  /** Socket handlers, each given the socket (and data): typed so their parameters are not implicit anys. */
  type SocketHandlers = { [event: string]: (socket: any, ...rest: any[]) => unknown };
  function listen<T = unknown>(options: { socket: SocketHandlers; [option: string]: any }): any;
  function connect<T = unknown>(options: { socket: SocketHandlers; [option: string]: any }): Promise<any>;
  const password: {
    hash(password: string, options?: any): Promise<string>;
    verify(password: string, hash: string, algorithm?: string): Promise<boolean>;
  };
}

declare module "bun" {
  export type Socket<T = unknown> = any;
  export type TCPSocketListener<T = unknown> = any;
}

declare module "bun:sqlite" {
  export class Database {
    constructor(path: string, options?: any);
    [member: string]: any;
  }
}

interface ImportMeta {
  require(id: string): any;
}
