import {
  estimateRequestTokens,
  requestedModel,
  startScriptedHttpServer,
  type ScriptedHttpResponse,
  type ScriptedHttpResponses,
  type ScriptedServer,
} from './model-http-server.js';

export type { ScriptedHttpRequest, ScriptedHttpResponse, ScriptedHttpResponses, ScriptedServer } from './model-http-server.js';

function renderCompletion(response: ScriptedHttpResponse, requestBody: unknown, index: number): unknown {
  const texts = Array.isArray(response.text) ? response.text : [response.text ?? ''];
  const promptTokens = response.usage?.inputTokens ?? estimateRequestTokens(requestBody);
  const completionTokens = response.usage?.outputTokens ?? texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  return {
    id: `chatcmpl-scripted-${index + 1}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model ?? requestedModel(requestBody),
    choices: texts.map((text, choiceIndex) => ({
      index: choiceIndex,
      message: { role: 'assistant', content: text },
      finish_reason: 'stop',
    })),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/**
 * Start a local server speaking the OpenAI chat-completions protocol (POST /v1/chat/completions
 * and /chat/completions) from a script; `url` ends in /v1, ready to be a `baseUrl`.
 */
export function startScriptedOpenAiServer(options: { responses: ScriptedHttpResponses }): Promise<ScriptedServer> {
  return startScriptedHttpServer(
    {
      routes: ['/v1/chat/completions', '/chat/completions'],
      urlSuffix: '/v1',
      renderSuccess: renderCompletion,
      renderError: (status, message) => ({
        error: { message, type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error', code: null, param: null },
      }),
    },
    options.responses,
  );
}
