// Test doubles for what lives off this machine (models, remote APIs), exported for users' own tests.
export { createScriptedModel, type ScriptedModel, type ScriptedModelScript, type ScriptedAnswer } from './scripted-model.js';
export { startScriptedOpenAiServer, type ScriptedHttpRequest, type ScriptedHttpResponse, type ScriptedHttpResponses, type ScriptedServer } from './openai-server.js';
export { startScriptedAnthropicServer } from './model-anthropic-server.js';
export { startGitHubStandIn, type GitHubStandIn, type GitHubStandInOptions, type StandInRepository, type StandInPullRequest, type StandInIssue, type StandInFault, type RecordedRequest } from './github-server.js';
