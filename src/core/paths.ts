import path from 'node:path';

/** Whether `child` lies inside `parent` (or is it, with `orEqual`), comparing resolved paths; `..x` names stay inside. */
export function isPathInside(child: string, parent: string, options: { orEqual?: boolean } = {}): boolean {
  const relative = path.relative(parent, child);
  if (relative === '') return options.orEqual === true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
