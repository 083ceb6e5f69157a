// Resolution hooks for hide-packages.ts: a hidden package resolves as Node resolves one that is
// not in any node_modules.
interface ResolveContext { parentURL?: string }
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>

let hidden: string[] = []

export function initialize (names: string[]): void {
  hidden = names
}

export async function resolve (specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  if (hidden.some(name => specifier === name || specifier.startsWith(`${name}/`))) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' imported from ${context.parentURL ?? 'the command line'}`), { code: 'ERR_MODULE_NOT_FOUND' })
  }
  return next(specifier, context)
}
