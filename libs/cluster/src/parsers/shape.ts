// Typed reads from untrusted JSON/YAML values. Each read knows its path, so a wrong type becomes a
// ShapeError naming exactly where (`items[2].spec.ports[0].port`), never a TypeError deep in the code.
import { ShapeError } from '../errors.js';

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export function asObject(v: unknown, path: Path): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ShapeError(path, `expected an object, found ${typeName(v)}`);
  }
  return v as Obj;
}

export function optObject(o: Obj, key: string, path: Path): Obj | undefined {
  const v = o[key];
  return v === undefined || v === null ? undefined : asObject(v, [...path, key]);
}

export function optArray(o: Obj, key: string, path: Path): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeError([...path, key], `expected an array, found ${typeName(v)}`);
  return v;
}

export function optString(o: Obj, key: string, path: Path): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ShapeError([...path, key], `expected a string, found ${typeName(v)}`);
  return v;
}

export function reqString(o: Obj, key: string, path: Path): string {
  const v = optString(o, key, path);
  if (v === undefined) throw new ShapeError([...path, key], `missing required string "${key}"`);
  return v;
}

export function optBoolean(o: Obj, key: string, path: Path): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new ShapeError([...path, key], `expected a boolean, found ${typeName(v)}`);
  return v;
}

export function optPort(o: Obj, key: string, path: Path): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
    throw new ShapeError([...path, key], `expected a port number 0-65535, found ${JSON.stringify(v)}`);
  }
  return v;
}

export function stringMap(o: Obj, key: string, path: Path): Record<string, string> {
  const m = optObject(o, key, path);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) out[k] = String(v);
  return out;
}
