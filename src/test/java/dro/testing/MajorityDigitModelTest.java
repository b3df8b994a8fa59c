package dro.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.AutoModel;
import dro.GenerateOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The majority-digit model on the real llama.cpp library: its answers follow from the prompt text. */
class MajorityDigitModelTest {

    @TempDir
    Path cache;

    static final GenerateOptions O = GenerateOptions.builder().temperature(0).optimizedIcl(false)
            .userSpecifiedSystemPrompt("Be brief.").stop(List.of()).maxNewTokens(8).build();

    @Test
    void answersWithTheMostFrequentDigitOfTheContextOrTheScriptWithoutDigits() {
        try (AutoModel m = AutoModel.builder().model(TestModels.majorityDigitChat()).threads(2)
                .embeddingCacheDir(cache).build()) {
            assertEquals("77777777", m.generate("a 7 and 7 and 3", O));
            assertEquals("33333333", m.generate("a 7 and 3 and 3", O));
            assertEquals("00000000", m.generate("only one 0", O));
            assertEquals("Hi", m.generate("no digits at all", O)); // the script, cut at <END>
            // the system prompt is context too
            assertEquals("55555555", m.generate("a 7", O.toBuilder().userSpecifiedSystemPrompt("5 and 5").build()));
            // one digit in a long context still decides
            assertEquals("11111111", m.generate("x".repeat(3500) + " 1", O));
        }
    }
}
