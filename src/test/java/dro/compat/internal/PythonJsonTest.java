package dro.compat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

/** {@link PythonJson} writes floats as Python's {@code json.dumps} does ({@code repr}), so that they read back as floats. */
class PythonJsonTest {

    private static String dumped(double d) {
        return PythonJson.dumps(JsonNodeFactory.instance.numberNode(d));
    }

    @Test
    void floatsBetweenTenMillionAndTenToTheSixteenKeepTheirDecimalPoint() {
        // Java prints these in E notation, Python positionally and with ".0"; written as 15100000 a float read back as
        // an integer (found by MetricsCacheFuzzTest, kept as crash-28f49c6b...)
        assertEquals("15100000.0", dumped(1.51e7));
        assertEquals("10000000.0", dumped(1e7));
        assertEquals("1234567890123456.0", dumped(1234567890123456.0));
    }

    @Test
    void smallFloatsHaveNoTrailingZerosAndExponentsArePythons() {
        assertEquals("0.0001", dumped(1e-4));
        assertEquals("0.0001234", dumped(1.234e-4));
        assertEquals("1.5e-05", dumped(1.5e-5));
        assertEquals("1e+16", dumped(1e16));
        assertEquals("2.5", dumped(2.5));
        assertEquals("100.0", dumped(100.0));
    }
}
