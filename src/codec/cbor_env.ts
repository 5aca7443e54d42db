/**
 * Switches off cbor-x's optional native string extractor (cbor-extract) before cbor-x loads: under Bun 1.4
 * it crashes the process or throws "string.slice is not a function" on ordinary maps. Imported first by
 * cbor.ts; the variable also protects any later `import "cbor-x"` in the same process.
 * @module
 */
process.env.CBOR_NATIVE_ACCELERATION_DISABLED = "true";

/** Marker so the import is not elided by bundlers. */
export const CBOR_NATIVE_DISABLED = true;
