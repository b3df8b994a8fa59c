/**
 * DRO as an OpenAI-compatible HTTP service: {@link dro.serve.DroServer} puts one or more {@link dro.AutoModel}s
 * (a local GGUF model, or any OpenAI-compatible endpoint in proxy mode) behind {@code POST /v1/chat/completions}
 * (blocking and server-sent events), {@code GET /v1/models}, {@code /health}, {@code /ready} and {@code /metrics}.
 * Each request is answered exactly as {@link dro.AutoModel} answers a query. {@code bin/dro serve} runs it.
 *
 * <p>Needs Jetty ({@code org.eclipse.jetty:jetty-server}) and Micrometer ({@code io.micrometer:micrometer-core},
 * {@code io.micrometer:micrometer-registry-prometheus}), which dro4j declares optional.
 *
 * <p>Layer 7, beside the {@link dro.AutoModel} facade: uses any layer below; only {@code dro.cli} uses it.
 */
package dro.serve;
