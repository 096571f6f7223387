import {
  estimateRequestTokens,
  requestedModel,
  startScriptedHttpServer,
  type ScriptedHttpResponse,
  type ScriptedHttpResponses,
  type ScriptedServer,
} from './model-http-server.js';

function renderMessage(response: ScriptedHttpResponse, requestBody: unknown, index: number): unknown {
  const text = Array.isArray(response.text) ? response.text.join('') : (response.text ?? '');
  return {
    id: `msg_scripted_${index + 1}`,
    type: 'message',
    role: 'assistant',
    model: response.model ?? requestedModel(requestBody),
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: response.usage?.inputTokens ?? estimateRequestTokens(requestBody),
      output_tokens: response.usage?.outputTokens ?? Math.ceil(text.length / 4),
    },
  };
}

/** Start a local server speaking Anthropic's Messages protocol (POST /v1/messages) from a script; `url` is the base URL. */
export function startScriptedAnthropicServer(options: { responses: ScriptedHttpResponses }): Promise<ScriptedServer> {
  return startScriptedHttpServer(
    {
      routes: ['/v1/messages'],
      urlSuffix: '',
      renderSuccess: renderMessage,
      renderError: (status, message) => ({
        type: 'error',
        error: { type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error', message },
      }),
    },
    options.responses,
  );
}
