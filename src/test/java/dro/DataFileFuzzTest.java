package dro;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.eval.EvalQueries;
import dro.icl.IclExamples;
import dro.testing.Fuzz;
import dro.train.icl.IclSeeds;
import dro.train.run.TrainingQueries;
import java.nio.charset.StandardCharsets;

/**
 * The data files a user gives a run (in-context examples {@code --icl-file}, ICL seeds {@code --seeds}, training
 * queries {@code --queries-file}, evaluation queries {@code --queries}) are read or refused with an
 * {@link InvalidRequestException} naming the file and the problem.
 */
class DataFileFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyIclFileReadsOrFailsWithAnInvalidRequestException(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Fuzz.onlyDeclared(() -> IclExamples.parse(text, "icl.json").toString(), InvalidRequestException.class);
        Fuzz.onlyDeclared(() -> IclSeeds.parse(text, "seeds.json").toString(), InvalidRequestException.class);
    }

    @FuzzTest(maxDuration = "60s")
    void anyQueriesFileReadsOrFailsWithAnInvalidRequestException(byte[] data) {
        java.nio.file.Path f = Fuzz.file("queries.json", data);
        Fuzz.onlyDeclared(() -> TrainingQueries.fromFile(f).toString(), InvalidRequestException.class);
        Fuzz.onlyDeclared(() -> EvalQueries.reader().read(f).toString(), InvalidRequestException.class);
    }
}
