/**
 * A subscription's `include_fields`: the payload keeps only these paths. A dotted path
 * (`line_items.price`) keeps that key in every element of a nested list, like Shopify does.
 */
export function keepIncludedFields(payload: unknown, includeFields: string[] | null): unknown {
  if (includeFields === null) return payload;
  return project(payload, fieldTree(includeFields));
}

type FieldTree = { [key: string]: FieldTree | true };

function fieldTree(paths: string[]): FieldTree {
  const root: FieldTree = {};
  for (const path of paths) {
    const keys = path.split(".");
    const leaf = keys.pop() as string;
    let node: FieldTree | null = root;
    for (const key of keys) {
      const child: FieldTree | true | undefined = node[key];
      // A parent that is kept whole already includes this path.
      if (child === true) {
        node = null;
        break;
      }
      node = node[key] = child ?? {};
    }
    if (node) node[leaf] = true;
  }
  return root;
}

function project(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((item) => project(item, tree));
  if (typeof value !== "object" || value === null) return value;
  const source = value as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const [key, subtree] of Object.entries(tree)) {
    if (!(key in source)) continue;
    kept[key] = subtree === true ? source[key] : project(source[key], subtree);
  }
  return kept;
}
