// Query depth and complexity limits: a query too deep or too large is refused before any resolver
// runs, with an error that says what the limit is and how far over it the query went.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 100_000;
/** What a list without `first` is assumed to hold (perspectives, translations, findings...). */
const LIST_GUESS = 10;
/** Page size assumed for a connection asked without `first`. */
const DEFAULT_PAGE = 50;

// Types are read by their printed form ("[Flow!]!") rather than graphql's instanceof helpers, which
// refuse a schema built by another copy of the graphql module (as test runners may load).
function fieldOf(
  type: GraphQLNamedType | null | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  const fields = (type as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> } | null)
    ?.getFields;
  return typeof fields === 'function' ? fields.call(type)[name] : undefined;
}

const isList = (field: GraphQLField<unknown, unknown>) => String(field.type).startsWith('[');

function namedType(
  schema: GraphQLSchema,
  field: GraphQLField<unknown, unknown>,
): GraphQLNamedType | undefined {
  return schema.getType(String(field.type).replace(/[[\]!]/g, '')) ?? undefined;
}

interface Cost {
  depth: number;
  complexity: number;
}

/**
 * Depth (nesting of selections, introspection excluded) and complexity (each field 1, times the
 * number of items a list or page may return: `first`, else 10 for a list) of one operation.
 */
export function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
): Cost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return { depth: 0, complexity: 0 };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();

  const value = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) return variables[node.name.value];
    return undefined;
  };

  const walk = (
    set: SelectionSetNode,
    type: GraphQLNamedType | null | undefined,
    seen: Set<string>,
  ): Cost => {
    let depth = 0;
    let complexity = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = fieldOf(type, name);
        const first = selection.arguments?.find((a) => a.name.value === 'first');
        const firstValue = first ? value(first.value) : undefined;
        const isConnection = !!field?.args.some((a) => a.name === 'first');
        const multiplier =
          typeof firstValue === 'number'
            ? firstValue
            : isConnection
              ? DEFAULT_PAGE
              : field && isList(field) && name !== 'edges'
                ? LIST_GUESS
                : 1;
        const below = selection.selectionSet
          ? walk(selection.selectionSet, field ? namedType(schema, field) : null, seen)
          : { depth: 0, complexity: 0 };
        depth = Math.max(depth, 1 + below.depth);
        complexity += 1 + multiplier * below.complexity;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = walk(selection.selectionSet, type, seen);
        depth = Math.max(depth, inner.depth);
        complexity += inner.complexity;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        const inner = walk(fragment.selectionSet, type, new Set([...seen, name]));
        depth = Math.max(depth, inner.depth);
        complexity += inner.complexity;
      }
    }
    return { depth, complexity };
  };
  return walk(operation.selectionSet, root, new Set());
}

/** Checks an operation against the limits; throws the GraphQL error clients see. */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown>,
): void {
  const { depth, complexity } = measure(schema, document, operationName, variables);
  if (depth > MAX_DEPTH)
    throw new GraphQLError(
      `query depth ${depth} exceeds the limit of ${MAX_DEPTH}: ask for fewer nested levels, or query the ` +
        'nested objects (flow, findings) on their own',
      { extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth: MAX_DEPTH, http: { status: 400 } } },
    );
  if (complexity > MAX_COMPLEXITY)
    throw new GraphQLError(
      `query complexity ${complexity} exceeds the limit of ${MAX_COMPLEXITY} (each field counts 1, times ` +
        `\`first\` for pages and ${LIST_GUESS} for lists): ask for smaller pages (first) or fewer fields`,
      {
        extensions: {
          code: 'QUERY_TOO_COMPLEX',
          complexity,
          maxComplexity: MAX_COMPLEXITY,
          http: { status: 400 },
        },
      },
    );
}

/** The Apollo plugin enforcing the limits on every HTTP operation. */
export function queryLimitsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          checkLimits(schema, document, request.operationName, request.variables ?? {});
        },
      };
    },
  };
}
