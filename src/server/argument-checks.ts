/**
 * Arguments checked once per operation, before anything resolves (README "Access", errors):
 *
 * - variables must coerce to their declared types; JSON such as `1e999` parses to Infinity, which
 *   no Int or Float holds. Coercing here, first, answers that as BAD_USER_INPUT naming the variable
 *   instead of letting the complexity estimate (./limits.ts) fail on it;
 * - every ID-typed value, at any depth of an argument (input fields, list elements), literal or from a
 *   variable, must be a store id (a UUID). A malformed one is BAD_USER_INPUT naming the field and the
 *   argument path, so no resolver has to special-case it and none reaches a uuid column (Postgres
 *   would reject the query). A well-formed unknown id still finds nothing.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  GraphQLID,
  TypeInfo,
  getArgumentValues,
  getNullableType,
  getVariableValues,
  isInputObjectType,
  isListType,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { DocumentNode, GraphQLInputType, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { isUuid } from '../db/ids';

function badInput(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400 } } });
}

/** The path of the first ID-typed value in `value` that is not a UUID. */
function malformedId(type: GraphQLInputType, value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = getNullableType(type);
  if (isListType(t)) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const found = malformedId(t.ofType, items[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isInputObjectType(t)) {
    for (const field of Object.values(t.getFields())) {
      const found = malformedId(field.type, (value as Record<string, unknown>)[field.name], `${path}.${field.name}`);
      if (found) return found;
    }
    return undefined;
  }
  return t === GraphQLID && !(typeof value === 'string' && isUuid(value)) ? path : undefined;
}

export const argumentChecks: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document, operation, schema }) {
        if (operation) checkArguments(schema, document, operation, request.variables ?? {});
      },
    };
  },
};

/** Throws BAD_USER_INPUT for the first uncoercible variable or malformed id (also used by ./subscriptions.ts). */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): void {
  const coerced = coerceVariables(schema, operation, variables);
  const typeInfo = new TypeInfo(schema);
  // The operation and every fragment (a fragment this operation does not use costs a walk, no more).
  const definitions = document.definitions.filter((d) => d === operation || d.kind === 'FragmentDefinition');
  visit(
    { ...document, definitions },
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const fieldDef = typeInfo.getFieldDef();
        if (!fieldDef?.args.length) return;
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(fieldDef, node, coerced);
        } catch {
          return; // a missing or invalid argument: execution reports it in its own words
        }
        for (const arg of fieldDef.args) {
          const path = malformedId(arg.type, args[arg.name], arg.name);
          if (path)
            throw badInput(`${path} of ${fieldDef.name} is not an id (ids are UUIDs)`, {
              field: fieldDef.name,
              argumentName: path,
            });
        }
      },
    }),
  );
}

/** The operation's variables coerced to their declared types, or BAD_USER_INPUT naming the first that is not. */
function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: Record<string, unknown>) {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, { maxErrors: 1 });
  if (result.errors) throw badInput(result.errors[0].message, {});
  return result.coerced;
}
