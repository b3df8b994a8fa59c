package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.roles.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One name per role: the train command's flag, the {@code --price} label and the estimate's row say the same. */
class RoleNamesTest {

    @Test
    void everyRoleIsNamedByItsTrainFlagAndItsPriceLabel() {
        CliRun help = dro("train", "--help");
        assertEquals(0, help.code(), help.err());
        for (Role r : Role.values()) {
            assertTrue(help.out().contains("--" + r.label() + "-model"), r.label() + " in\n" + help.out());
            assertEquals(Map.of(r, new RunEstimate.Price(1, 2)), RunEstimate.prices(List.of(r.label() + "=1/2")));
        }
    }

    @Test
    void theHelpShowsTheRoleNamesAndMentionsTheOriginalsFlagNames() {
        String help = dro("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("[--judge-model=MODEL]") && help.contains("[--optimizer-model=MODEL]"), help);
        assertTrue(help.contains("--eval-model, the original's name") && help.contains("--optimize-model, the"), help);
    }

    @Test
    void aRoleGivenUnderBothItsNamesIsRefused() {
        CliRun r = dro("train", "--judge-model", "a", "--eval-model", "b", "--estimate");
        assertEquals(1, r.code(), r.err());
        assertEquals("dro: error: Give --judge-model or --eval-model (the original's name for it), not both",
                r.err().strip());
    }
}
