/** Moved to src/test-code (the mirror, edit and collect stages use the same rule); kept for existing imports. */
export { classifyRustHunk, findRustTestModules, type HunkSide, type LineSpan } from '../test-code/rust-test-modules.js';
