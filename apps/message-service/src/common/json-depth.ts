/**
 * The path (`a.b.0.c`) of the first value nested deeper than `maxDepth` levels, or undefined when
 * none is. Iterative, so that a hostile document cannot exhaust the stack here; finding one early
 * keeps it away from code that recurses (the class transformer and validator).
 */
export function tooDeep(value: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= maxDepth) return path.join('.');
    for (const [key, child] of Object.entries(v))
      stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}
