/** Routes of the REST API: a tree of path segments with API Gateway's precedence. */

export interface RouteNode {
  readonly literal: Map<string, RouteNode>;
  param?: { readonly name: string; readonly node: RouteNode };
  greedy?: { readonly name: string; readonly resourcePath: string };
  resourcePath?: string;
}

export function newNode(): RouteNode {
  return { literal: new Map() };
}

export function addRoute(root: RouteNode, resourcePath: string): void {
  let node = root;
  for (const part of resourcePath.split('/').filter((s) => s !== '')) {
    const greedy = /^\{(.+)\+\}$/.exec(part);
    const param = /^\{(.+)\}$/.exec(part);
    if (greedy) {
      node.greedy = { name: greedy[1]!, resourcePath };
      return;
    }
    if (param) {
      node.param ??= { name: param[1]!, node: newNode() };
      node = node.param.node;
    } else {
      let next = node.literal.get(part);
      if (!next) node.literal.set(part, (next = newNode()));
      node = next;
    }
  }
  node.resourcePath = resourcePath;
}

/** API Gateway's precedence: a literal segment, then a `{param}`, then a greedy `{proxy+}`. */
export function matchRoute(
  node: RouteNode,
  segments: readonly string[],
  index = 0,
  params: Record<string, string> = {},
): { resourcePath: string; params: Record<string, string> } | undefined {
  if (index === segments.length) return node.resourcePath ? { resourcePath: node.resourcePath, params } : undefined;
  const segment = segments[index]!;
  const literal = node.literal.get(segment);
  const viaLiteral = literal && matchRoute(literal, segments, index + 1, params);
  if (viaLiteral) return viaLiteral;
  const viaParam = node.param && matchRoute(node.param.node, segments, index + 1, { ...params, [node.param.name]: segment });
  if (viaParam) return viaParam;
  if (node.greedy)
    return { resourcePath: node.greedy.resourcePath, params: { ...params, [node.greedy.name]: segments.slice(index).join('/') } };
  return undefined;
}
