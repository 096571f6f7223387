/**
 * The bubblewrap program to run: `$SWE_MIRROR_BWRAP` when set (tests point it at a path that does not
 * exist to see how swe-mirror behaves without a sandbox), else `bwrap` from PATH. The one place that
 * decides it.
 */
export function bubblewrapProgram(): string {
  const override = process.env.SWE_MIRROR_BWRAP;
  return override !== undefined && override !== '' ? override : 'bwrap';
}
