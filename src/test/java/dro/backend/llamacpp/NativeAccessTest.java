package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NativeAccessTest {

    private final Module unnamed = ClassLoader.getSystemClassLoader().getUnnamedModule();
    private final Module base = String.class.getModule();
    private final Module http = java.net.http.HttpClient.class.getModule();

    @Test
    void theFlagNamesEachModuleWithoutNativeAccessOnceInOrderAndTheUnnamedOnesAsAllUnnamed() {
        Module otherUnnamed = new ClassLoader(null) { }.getUnnamedModule();
        assertEquals(Optional.of("--enable-native-access=java.net.http,ALL-UNNAMED,java.base"), NativeAccess.flagFor(
                List.of(http, unnamed, base, otherUnnamed, http), m -> false));
    }

    @Test
    void modulesThatHaveNativeAccessAreLeftOutAndNoneMissingMeansNoFlag() {
        assertEquals(Optional.of("--enable-native-access=ALL-UNNAMED"),
                NativeAccess.flagFor(List.of(base, unnamed), m -> m == base));
        assertEquals(Optional.empty(), NativeAccess.flagFor(List.of(base, unnamed), m -> true));
        assertEquals(Optional.empty(), NativeAccess.flagFor(List.of(), m -> false));
    }

    @Test
    void beforeJava22EveryModuleHasNativeAccess() {
        if (Runtime.version().feature() < 22) {
            assertEquals(true, NativeAccess.enabled(unnamed));
            assertEquals(Optional.empty(), NativeAccess.flagFor(NativeAccessTest.class));
        }
        assertEquals(Runtime.version().feature() >= 24, NativeAccess.restrictsJni());
    }
}
