package dro.roles.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class SeedsTest {

    @Test
    void aCallsSeedIsTheFirstThirtyBitsOfTheHashOfRunSeedRoleAndSite() {
        // computed independently (Python: sha256(struct.pack('>q', 42) + b'role\0site'), first 8 bytes, & 0x3fffffff)
        assertEquals(814367319L, Seeds.derive(42, "policy", ""));
        assertEquals(494461944L, Seeds.derive(42, "optimizer", "L1/B0"));
        assertEquals(828546459L, Seeds.derive(42, "optimizer", "L1/B1"));
        assertEquals(776185073L, Seeds.derive(42, "judge", "L1/T0"));
        assertEquals(727750362L, Seeds.derive(42, "judge", "L1/T1"));
    }

    @Test
    void seedsDifferBetweenRunSeedsRolesAndSites() {
        assertNotEquals(Seeds.derive(42, "judge", "L1/T0"), Seeds.derive(43, "judge", "L1/T0"));
        assertNotEquals(Seeds.derive(42, "judge", "L1/T0"), Seeds.derive(42, "optimizer", "L1/T0"));
        assertNotEquals(Seeds.derive(42, "judge", "L1/T0"), Seeds.derive(42, "judge", "L2/T0"));
    }
}
