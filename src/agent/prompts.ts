/** The agent's system prompt: OpenHands' CodeAct role, shortened to what the three tools need. */
export const AGENT_SYSTEM_PROMPT = `You are a software engineering agent. You solve issues in a code repository by calling tools.
* Use execute_bash to explore, run code and run tests; use str_replace_editor to view and edit files.
* Call exactly the tools you are given, with JSON arguments that match their schemas.
* Make minimal changes to non-test files to resolve the issue.
* When you are done, call finish with a short message.`;

/** The first user message: the repository location and the problem statement, as OpenHands' SWE-bench runner words it. */
export function buildTaskMessage(repositoryPath: string, problemStatement: string): string {
  return `<uploaded_files>
${repositoryPath}
</uploaded_files>
I've uploaded a code repository in the directory ${repositoryPath}. Consider the following issue description:

<issue_description>
${problemStatement}
</issue_description>

Can you help me implement the necessary changes to the repository so that the requirements specified in the issue are met?
Follow these steps: explore the repository; reproduce the problem; edit the source code to resolve it; rerun your reproduction and the related tests; think about edge cases; then call finish.`;
}

/** What the loop answers a turn with no tool call, as OpenHands' headless fake user does. */
export const CONTINUE_MESSAGE = 'Please continue working on the task using the tools you have. When you have resolved the issue, call finish. [Error occurred in processing last action: the reply contained no tool call]';
