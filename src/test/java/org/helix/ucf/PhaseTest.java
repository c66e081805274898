package org.helix.ucf;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each threshold of the UCF documentation, on both sides of its edge. */
class PhaseTest {

    @ParameterizedTest(name = "harmony {0} resilience {1} prana {2} drishti {3} klesha {4} -> {5}")
    @CsvSource({
            // harmony, resilience, prana, drishti, klesha, phase
            "1.20, 1.20, 0.6, 0.85, 0.10, TRANSCENDENT",
            "1.19, 1.20, 0.6, 0.85, 0.10, COHERENT",
            "1.20, 1.19, 0.6, 0.85, 0.10, COHERENT",
            "1.20, 1.20, 0.6, 0.84, 0.10, COHERENT",
            "1.20, 1.20, 0.6, 0.85, 0.11, COHERENT",
            "0.60, 0.70, 0.6, 0.60, 0.60, COHERENT",
            "0.59, 0.70, 0.6, 0.60, 0.60, STABLE",
            "0.60, 0.69, 0.6, 0.60, 0.60, STABLE",
            "0.60, 0.70, 0.6, 0.60, 0.61, STABLE",
            "0.39, 1.00, 0.6, 0.60, 0.30, FRAGMENTED",
            "0.50, 1.00, 0.6, 0.60, 0.71, FRAGMENTED",
            "0.50, 1.00, 0.6, 0.60, 0.70, STABLE",
            "0.51, 0.50, 0.29, 0.60, 0.30, DORMANT",
            "0.50, 0.50, 0.29, 0.60, 0.30, STABLE",
            "0.51, 0.50, 0.30, 0.60, 0.30, STABLE",
            "0.50, 1.00, 0.60, 0.60, 0.30, STABLE",
    })
    void thePhaseFollowsTheDocumentedThresholds(double harmony, double resilience, double prana, double drishti,
                                               double klesha, Phase expected) {
        assertEquals(expected, Phase.of(new Ucf(harmony, resilience, prana, drishti, klesha, 0.7)));
    }
}
