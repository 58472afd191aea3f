// Loads JSON or (multi-document) YAML and maps a path inside it back to a line, so shape errors found
// after parsing can still name the line the operator has to look at.
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatPath, LineError, ShapeError } from '../errors.js';

export interface LoadedDocuments {
  format: 'json' | 'yaml';
  docs: unknown[];
  /** 1-based line of the value at `path` in document `doc`, or undefined when it cannot be found. */
  locate(doc: number, path: (string | number)[]): number | undefined;
}

export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

export function loadDocuments(text: string): LoadedDocuments {
  return looksLikeJson(text) ? loadJson(text) : loadYaml(text);
}

function loadJson(text: string): LoadedDocuments {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const offset = m ? Number(m[1]) : text.length;
    const { line, column } = lineColumnAt(text, offset);
    const path = jsonPathAt(text, offset);
    const reason = (err as Error).message.replace(/\s*\(line \d+ column \d+\)$/, '');
    throw new LineError(line, `invalid JSON: ${reason}`, column, path);
  }
  return {
    format: 'json',
    docs: [value],
    locate(_doc, path) {
      // A missing field is reported at its parent object.
      for (let n = path.length; n >= 0; n--) {
        const offset = jsonOffsetOf(text, path.slice(0, n));
        if (offset !== undefined) return lineColumnAt(text, offset).line;
      }
      return undefined;
    },
  };
}

function loadYaml(text: string): LoadedDocuments {
  const counter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: counter });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      throw new LineError(pos?.line ?? 1, `invalid YAML: ${error.message.split('\n')[0]}`, pos?.col);
    }
  }
  const kept = docs.filter((d) => d.contents !== null);
  return {
    format: 'yaml',
    docs: kept.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown),
    locate: (doc, path) => (kept[doc] ? locateIn(kept[doc], counter, path) : undefined),
  };
}

function locateIn(doc: Document, counter: LineCounter, path: (string | number)[]): number | undefined {
  // Walk up the path until something exists: a missing field is reported at its parent object.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The JSON path of the value being read at `offset`, from a light scan of the (broken) text before it. */
export function jsonPathAt(text: string, offset: number): string {
  type Frame = { array: boolean; key: string | number; expectKey: boolean };
  const stack: Frame[] = [];
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j++;
        s += text[j];
        j++;
      }
      if (top && !top.array && top.expectKey) {
        top.key = s;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ array: false, key: '', expectKey: true });
    else if (c === '[') stack.push({ array: true, key: 0, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top) {
      if (top.array) top.key = (top.key as number) + 1;
      else top.expectKey = true;
    }
  }
  return formatPath(stack.map((f) => f.key).filter((k) => k !== ''));
}

/** Runs a reader and turns its ShapeError into a LineError carrying the line and path. */
export function withLines<T>(loaded: LoadedDocuments, doc: number, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ShapeError) {
      throw new LineError(loaded.locate(doc, err.path) ?? 1, err.message, undefined, formatPath(err.path));
    }
    throw err;
  }
}

/** Where the value at `path` starts in valid JSON text: one linear scan, no second parse. */
export function jsonOffsetOf(text: string, path: (string | number)[]): number | undefined {
  type Frame = { array: boolean; key: string | number; expectKey: boolean };
  const stack: Frame[] = [];
  const atTarget = () => stack.length === path.length && stack.every((f, i) => f.key === path[i]);
  if (path.length === 0) return text.search(/\S/);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ':') continue;
    const top = stack[stack.length - 1];
    if (c === ',') {
      if (top?.array) top.key = (top.key as number) + 1;
      else if (top) top.expectKey = true;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      continue;
    }
    if (c === '"' && top && !top.array && top.expectKey) {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      top.key = JSON.parse(text.slice(i, j + 1)) as string;
      top.expectKey = false;
      i = j;
      continue;
    }
    // A value starts here.
    if (atTarget()) return i;
    if (c === '{') stack.push({ array: false, key: '', expectKey: true });
    else if (c === '[') {
      stack.push({ array: true, key: 0, expectKey: false });
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      i = j;
    } else {
      while (i + 1 < text.length && !/[,\]}\s]/.test(text[i + 1]!)) i++;
    }
  }
  return undefined;
}
