// GitHub's closing keywords: https://docs.github.com/en/issues/tracking-your-work-with-issues/linking-a-pull-request-to-an-issue
const CLOSING_REFERENCE =
  /\b(?:close|closes|closed|fix|fixes|fixed|resolve|resolves|resolved)\b:?\s+(?:([\w.-]+\/[\w.-]+)#|#|https?:\/\/[^\s/]+\/([\w.-]+\/[\w.-]+)\/issues\/)(\d+)\b/gi;

/**
 * Issue numbers closed by "fixes #N" / "closes owner/repo#N" / "resolves <issue URL>" in free text,
 * in order of appearance, without duplicates. References to another repository are ignored
 * when `repo` is given and differs.
 */
export function findClosingReferences(text: string, repo?: string): number[] {
  const numbers: number[] = [];
  for (const match of text.matchAll(CLOSING_REFERENCE)) {
    const otherRepo = match[1] ?? match[2];
    if (otherRepo && repo && otherRepo.toLowerCase() !== repo.toLowerCase()) continue;
    const number = Number(match[3]);
    if (Number.isSafeInteger(number) && number > 0 && !numbers.includes(number)) numbers.push(number);
  }
  return numbers;
}

/** The PR number of a merge commit ("Merge pull request #123 from ...") or a squash commit ("Title (#123)"). */
export function findPullRequestNumber(subject: string): { number: number; style: 'merge' | 'squash' } | undefined {
  const merge = /^Merge pull request #(\d+) from /.exec(subject);
  if (merge) return { number: Number(merge[1]), style: 'merge' };
  const squash = /\(#(\d+)\)\s*$/.exec(subject);
  if (squash) return { number: Number(squash[1]), style: 'squash' };
  return undefined;
}
