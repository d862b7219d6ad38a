/**
 * The integration request of a non-proxy integration: `RequestParameters`
 * mapped, the request template chosen by content type and rendered (or the body
 * passed through, or 415 as `PassthroughBehavior` says), `$context.requestOverride`
 * applied.
 */
import { chooseRequestTemplate, integrationRequestParameters, type IntegrationRequestParameters } from '../mapping';
import { renderTemplate } from '../vtl';
import { methodRequest, type IntegrationCall } from './call';

export type IntegrationRequest =
  { readonly ok: true; readonly body: string; readonly parameters: IntegrationRequestParameters } | { readonly ok: false };

export function integrationRequest(call: IntegrationCall): IntegrationRequest {
  const request = methodRequest(call);
  const integration = call.method.integration;
  const parameters = integrationRequestParameters(integration.RequestParameters as Record<string, unknown> | undefined, request);
  const choice = chooseRequestTemplate(integration, call.req.headers['content-type']);
  if (choice.kind === 'unsupported') return { ok: false };
  if (choice.kind === 'passthrough') return { ok: true, body: request.body, parameters };
  const rendered = renderTemplate(choice.template, {
    body: request.body,
    params: { path: request.path, querystring: request.querystring, header: request.header },
    context: request.context,
    stageVariables: request.stageVariables,
  });
  const { requestHeaders, requestQuery, requestPath } = rendered.overrides;
  return {
    ok: true,
    body: rendered.output,
    parameters: {
      header: { ...parameters.header, ...requestHeaders },
      querystring: { ...parameters.querystring, ...requestQuery },
      path: { ...parameters.path, ...requestPath },
    },
  };
}

/** A header of the integration request, by name in any case. */
export function mappedHeader(parameters: IntegrationRequestParameters, name: string): string | undefined {
  return Object.entries(parameters.header).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}
