package dro.serve;

import dro.testing.RequestRecorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.backend.ChatModel;
import dro.icl.IclExample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Shared pieces of the server's tests: a recording model, ICL examples, a raw HTTP client. */
final class ServeTesting {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String OPTIMISED = "You are a careful assistant (optimised).";
    static final List<IclExample> ICL = List.of(new IclExample("How do I boil an egg?", "<START>\nBoil it.\n<END>"),
            new IclExample("Name a bird.", "<START>\nA robin.\n<END>"),
            new IclExample("What is 2 + 2?", "<START>\n4\n<END>"));
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ServeTesting() { }

    /** A raw response: status, headers, body. */
    record Raw(int status, HttpResponse<String> response) {
        String body() {
            return response.body();
        }

        JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + response.body(), e);
            }
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    static Raw post(DroServer server, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Raw(r.statusCode(), r);
    }

    static Raw get(DroServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Raw(r.statusCode(), r);
    }

    /** What LangChain4j's streaming OpenAI model gets from {@code baseUrl} for {@code query}: its pieces and response. */
    record Streamed(String partial, dev.langchain4j.model.chat.response.ChatResponse response) { }

    static Streamed streamWithLangChain4j(String baseUrl, String model, String query) throws Exception {
        dev.langchain4j.model.openai.OpenAiStreamingChatModel st = dev.langchain4j.model.openai
                .OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("unused").modelName(model).build();
        java.util.concurrent.CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done =
                new java.util.concurrent.CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        st.chat(query, new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String s) {
                partial.append(s);
            }

            @Override
            public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        dev.langchain4j.model.chat.response.ChatResponse r = done.get(60, java.util.concurrent.TimeUnit.SECONDS);
        return new Streamed(partial.toString(), r);
    }

    /**
     * A model whose streams call {@code onPiece} for each piece read and {@code onCancel} when cancelled; otherwise
     * {@code model} itself.
     */
    static RequestRecorder watched(ChatModel model, Runnable onPiece, Runnable onCancel) {
        return new RequestRecorder(model) {
            @Override
            protected dro.TokenStream doStream(dro.backend.ChatModelRequest request) {
                dro.TokenStream s = super.doStream(request);
                return new dro.TokenStream() {
                    public boolean hasNext() {
                        return s.hasNext();
                    }

                    public String next() {
                        onPiece.run();
                        return s.next();
                    }

                    public void cancel() {
                        onCancel.run();
                        s.cancel();
                    }

                    public dro.Generation result() {
                        return s.result();
                    }

                    public void close() {
                        s.close();
                    }
                };
            }
        };
    }
}
